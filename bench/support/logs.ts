/**
 * The benchmark's input: one generated combined log and its continuation.
 *
 * `logflow generate --lines N+extra --seed S` runs once; its first N lines are the log, and the
 * `extra` lines after them are what the web server writes next: the same traffic model (same
 * visitors, sessions in progress continue), timestamps strictly after the log's last one (no
 * jitter). Appending them to the file is what a growing access.log looks like to the ingester,
 * which resumes from its checkpoint. (The traffic intensity is (N+extra) lines per simulated day,
 * so the first N lines are not byte-identical to `--lines N`; at 1M + 10k the log spans 23.8 h.)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, openSync, readSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';

export interface BenchLog {
  /** The log file the steps read (the first `lines` lines; the continuation is appended later). */
  path: string;
  /** Its size in bytes before the continuation. */
  baseBytes: number;
  /** The continuation: `extra` more lines, later in time. */
  continuationPath: string;
  continuationBytes: number;
  lines: number;
  extra: number;
}

export async function prepareLog(bin: string, dir: string, lines: number, extra: number, seed: number): Promise<BenchLog> {
  const all = `${dir}/generated.log`;
  const generated = spawnSync(
    process.execPath,
    [bin, 'generate', '--lines', String(lines + extra), '--seed', String(seed), '--format', 'combined', '--out', all],
    { encoding: 'utf8' },
  );
  if (generated.status !== 0) throw new Error(`logflow generate failed: ${generated.stderr.trim()}`);
  const path = `${dir}/access.log`;
  const continuationPath = `${dir}/continuation.log`;
  await splitAtLine(all, lines, path, continuationPath);
  rmSync(all);
  return { path, baseBytes: statSync(path).size, continuationPath, continuationBytes: statSync(continuationPath).size, lines, extra };
}

/** Writes the first `count` newline-terminated lines of `source` to `head` and the rest to `tail`. */
async function splitAtLine(source: string, count: number, head: string, tail: string): Promise<void> {
  let seen = 0;
  let out = createWriteStream(head);
  let switched = false;
  for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let piece = chunk;
    if (!switched) {
      let at = -1;
      let from = 0;
      while (seen < count) {
        at = piece.indexOf(0x0a, from);
        if (at === -1) break;
        seen += 1;
        from = at + 1;
      }
      if (seen < count) {
        if (!out.write(piece)) await once(out, 'drain');
        continue;
      }
      out.write(piece.subarray(0, from));
      out.end();
      await once(out, 'finish');
      out = createWriteStream(tail);
      switched = true;
      piece = piece.subarray(from);
    }
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  if (!switched) throw new Error(`the generated log has ${seen} lines, fewer than ${count}`);
}

/** The log's last timestamp and the continuation's first (combined format: [dd/Mon/yyyy:HH:MM:SS zone]). */
export function boundaryTimes(log: BenchLog): { lastOfLog: string; firstOfContinuation: string } {
  const stamp = (text: string) => /\[([^\]]+)\]/.exec(text)?.[1] ?? '?';
  const size = Math.min(log.baseBytes, 64 * 1024);
  const buffer = Buffer.alloc(size);
  const fd = openSync(log.path, 'r');
  readSync(fd, buffer, 0, size, log.baseBytes - size);
  closeSync(fd);
  const lastLines = buffer.toString('utf8').trimEnd().split('\n');
  const head = Buffer.alloc(Math.min(log.continuationBytes, 4096));
  const fd2 = openSync(log.continuationPath, 'r');
  readSync(fd2, head, 0, head.length, 0);
  closeSync(fd2);
  return { lastOfLog: stamp(lastLines.at(-1) ?? ''), firstOfContinuation: stamp(head.toString('utf8').split('\n')[0] ?? '') };
}
