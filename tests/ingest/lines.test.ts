import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../ingest/lines.ts';

type Out = { text: string | null; offset: number; length: number; next: number };

function split(chunks: (string | Buffer)[], options: { end?: boolean; max?: number; prefix?: number } = {}): Out[] {
  const out: Out[] = [];
  const s = new LineSplitter(0, options.max, options.prefix);
  const emit = (b: Buffer | null, offset: number, length: number, next: number) =>
    out.push({ text: b === null ? null : b.toString('latin1'), offset, length, next });
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c, emit);
  if (options.end !== false) s.end(emit);
  return out;
}

describe('LineSplitter', () => {
  it.each([
    [
      'LF endings',
      ['a\nbb\n'],
      [
        ['a', 0, 2],
        ['bb', 2, 5],
      ],
    ],
    [
      'CRLF endings lose the CR',
      ['a\r\nbb\r\n'],
      [
        ['a', 0, 3],
        ['bb', 3, 7],
      ],
    ],
    ['a lone CR is kept', ['a\rb\n'], [['a\rb', 0, 4]]],
    [
      'empty lines are lines',
      ['\n\nx\n'],
      [
        ['', 0, 1],
        ['', 1, 2],
        ['x', 2, 4],
      ],
    ],
    [
      'no final newline: the tail is a line at the end',
      ['a\nb'],
      [
        ['a', 0, 2],
        ['b', 2, 3],
      ],
    ],
    [
      'a line split across chunks',
      ['ab', 'c\nd', 'e\n'],
      [
        ['abc', 0, 4],
        ['de', 4, 7],
      ],
    ],
    [
      'CR and LF in different chunks',
      ['ab\r', '\ncd\n'],
      [
        ['ab', 0, 4],
        ['cd', 4, 7],
      ],
    ],
    ['NUL bytes stay', ['a\0b\n'], [['a\0b', 0, 4]]],
    ['a final lone CR at the end of a file stays', ['a\r'], [['a\r', 0, 2]]],
  ])('%s', (_name, chunks, expected) => {
    expect(split(chunks as string[]).map((l) => [l.text, l.offset, l.next])).toEqual(expected);
  });

  it('delivers invalid UTF-8 unaltered', () => {
    const bad = Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0x0a]);
    const out: Buffer[] = [];
    const s = new LineSplitter();
    s.push(bad, (b) => out.push(Buffer.from(b!)));
    expect(out).toEqual([bad.subarray(0, 5)]);
  });

  it('holds an unterminated line until end()', () => {
    const s = new LineSplitter(10);
    const out: string[] = [];
    s.push(Buffer.from('abc\nde'), (b) => out.push(b!.toString()));
    expect(out).toEqual(['abc']);
    expect(s.consumed).toBe(14);
    expect(s.pending).toBe(2);
  });

  it.each([
    ['over the limit in one chunk', ['x'.repeat(30) + '\nok\n'], 'xxxx', 30],
    ['over the limit across chunks', ['x'.repeat(10), 'y'.repeat(10), '\nok\n'], 'xxxx', 20],
    ['over the limit with a CRLF ending', ['x'.repeat(10), 'y'.repeat(10), '\r\nok\n'], 'xxxx', 20],
    ['unterminated at the end', ['ok\n', 'x'.repeat(10), 'y'.repeat(10)], 'xxxx', 20],
  ])('keeps only a prefix of a line %s, with its full length', (_name, chunks, prefix, length) => {
    const out = split(chunks, { max: 15, prefix: 4 });
    const long = out.find((l) => l.text !== 'ok')!;
    expect([long.text, long.length]).toEqual([prefix, length]);
    expect(out.map((l) => l.text)).toContain('ok');
  });

  it('passes a 1 MiB line whole', () => {
    const line = 'z'.repeat(1 << 20);
    const out = split([line.slice(0, 1000), line.slice(1000) + '\n']);
    expect(out).toHaveLength(1);
    expect(out[0]!.length).toBe(1 << 20);
  });
});
