/**
 * Splits a byte stream into lines without decoding it. A line is the bytes before a LF; a CR
 * directly before the LF (a CRLF ending) is stripped too, and nothing else is changed: a lone CR,
 * NUL bytes and bytes that are not valid UTF-8 stay as they are. Bytes after the last LF form a
 * final line only when the stream ends (`end()`); a follower that has not seen the LF yet keeps
 * them pending. A line longer than `maxLineBytes` is not buffered whole: only its first
 * `prefixBytes` bytes are kept, and it is emitted with those bytes and its full length
 * (`bytes.length < length`), so that the caller can land it truncated instead of running out
 * of memory or losing it.
 */
/** `next` is the offset just past the line's terminator: where the line after it starts. */
export type EmitLine = (bytes: Buffer, offset: number, length: number, next: number) => void;

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  /** Absolute offset of the first byte of the pending (unterminated) line. */
  private lineStart: number;
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Bytes of the pending line seen so far, kept or not. */
  private pendingLength = 0;
  /** The pending line is over maxLineBytes: `parts` holds only its prefix. */
  private truncated = false;
  /** Last byte of the pending line (to strip the CR of a CRLF ending from a truncated line's length). */
  private lastByte = -1;

  constructor(
    startOffset = 0,
    private readonly maxLineBytes = Number.MAX_SAFE_INTEGER,
    private readonly prefixBytes = 0,
  ) {
    this.lineStart = startOffset;
  }

  /** Offset just past the last complete line: where a restart resumes. */
  get consumed(): number {
    return this.lineStart;
  }

  /** Bytes held for a line whose LF has not arrived. */
  get pending(): number {
    return this.pendingLength;
  }

  push(chunk: Buffer, emit: EmitLine): void {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, from);
      if (nl === -1) break;
      if (this.pendingLength === 0) {
        const end = nl > from && chunk[nl - 1] === CR ? nl - 1 : nl;
        const bytes =
          end - from > this.maxLineBytes ? Buffer.from(chunk.subarray(from, from + this.prefixBytes)) : chunk.subarray(from, end);
        emit(bytes, this.lineStart, end - from, this.lineStart + nl - from + 1);
        this.lineStart += nl - from + 1;
      } else {
        this.hold(chunk.subarray(from, nl));
        const total = this.pendingLength;
        this.emitPending(emit, true, this.lineStart + total + 1);
        this.lineStart += total + 1;
        this.resetPending();
      }
      from = nl + 1;
    }
    if (from < chunk.length) this.hold(chunk.subarray(from));
  }

  /** Emits the bytes after the last LF (if any) as a final line, as at the end of a file. */
  end(emit: EmitLine): void {
    if (this.pendingLength > 0) {
      const length = this.pendingLength;
      this.emitPending(emit, false, this.lineStart + length);
      this.lineStart += length;
      this.resetPending();
    }
  }

  private hold(bytes: Buffer): void {
    this.pendingLength += bytes.length;
    if (bytes.length > 0) this.lastByte = bytes[bytes.length - 1]!;
    if (this.truncated) return;
    if (this.partsLength + bytes.length <= this.maxLineBytes) {
      this.parts.push(bytes);
      this.partsLength += bytes.length;
      return;
    }
    // over the limit: keep a copy of the first prefixBytes only (releases the chunks)
    const prefix = Buffer.concat([...this.parts, bytes.subarray(0, Math.max(0, this.prefixBytes - this.partsLength))]).subarray(
      0,
      this.prefixBytes,
    );
    this.parts = [Buffer.from(prefix)];
    this.partsLength = prefix.length;
    this.truncated = true;
  }

  private emitPending(emit: EmitLine, terminated: boolean, next: number): void {
    let length = this.pendingLength;
    if (this.truncated) {
      if (terminated && this.lastByte === CR) length -= 1;
      emit(this.parts[0]!, this.lineStart, length, next);
      return;
    }
    let bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
    if (terminated && length > 0 && bytes[bytes.length - 1] === CR) {
      bytes = bytes.subarray(0, bytes.length - 1);
      length -= 1;
    }
    emit(bytes, this.lineStart, length, next);
  }

  private resetPending(): void {
    this.parts = [];
    this.partsLength = 0;
    this.pendingLength = 0;
    this.truncated = false;
    this.lastByte = -1;
  }
}
