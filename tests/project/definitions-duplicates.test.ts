/**
 * Models share patterns through includes/ and JS definitions, not by copying: no two files
 * under definitions/ may share a block of MIN_LINES or more identical lines. Lines compare
 * trimmed with runs of whitespace as one space; blank lines and lines made only of brackets,
 * braces or parentheses (optionally ending in a comma or semicolon, e.g. `),`) are skipped,
 * so they neither count nor break a block.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const MIN_LINES = 10;

interface SourceFile {
  path: string;
  text: string;
}

interface SharedBlock {
  /** Each file's path and the 1-based line where the block starts. */
  first: { path: string; line: number };
  second: { path: string; line: number };
  /** Significant lines in the block. */
  lines: number;
}

const IGNORED = /^[{}()[\]]*[,;]?$/;

/** The lines that count, normalised, with their 1-based line numbers. */
function significantLines(text: string): { line: number; text: string }[] {
  return text
    .split('\n')
    .map((raw, i) => ({ line: i + 1, text: raw.trim().replace(/\s+/g, ' ') }))
    .filter((l) => l.text !== '' && !IGNORED.test(l.text));
}

/** Every maximal block of at least `minLines` significant lines that two different files share. */
function sharedBlocks(files: SourceFile[], minLines: number): SharedBlock[] {
  const lines = files.map((f) => significantLines(f.text));
  const windows = new Map<string, { file: number; at: number }[]>();
  lines.forEach((fileLines, file) => {
    for (let at = 0; at + minLines <= fileLines.length; at++) {
      const key = fileLines
        .slice(at, at + minLines)
        .map((l) => l.text)
        .join('\n');
      windows.set(key, [...(windows.get(key) ?? []), { file, at }]);
    }
  });
  const same = (a: number, i: number, b: number, j: number) => lines[a]?.[i] !== undefined && lines[a]?.[i]?.text === lines[b]?.[j]?.text;
  const seen = new Set<string>();
  const blocks: SharedBlock[] = [];
  for (const places of windows.values()) {
    for (const p of places) {
      for (const q of places) {
        if (p.file >= q.file) continue;
        let [i, j] = [p.at, q.at];
        while (i > 0 && j > 0 && same(p.file, i - 1, q.file, j - 1)) [i, j] = [i - 1, j - 1];
        const id = `${p.file}:${i}:${q.file}:${j}`;
        if (seen.has(id)) continue;
        seen.add(id);
        let n = 0;
        while (same(p.file, i + n, q.file, j + n)) n++;
        blocks.push({
          first: { path: files[p.file]!.path, line: lines[p.file]![i]!.line },
          second: { path: files[q.file]!.path, line: lines[q.file]![j]!.line },
          lines: n,
        });
      }
    }
  }
  return blocks;
}

function filesUnder(dir: string): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }));
}

const numbered = (prefix: string, n: number, from = 1) => Array.from({ length: n }, (_, i) => `${prefix} line ${from + i},`).join('\n');

describe('sharedBlocks()', () => {
  it.each([
    { name: 'ten shared lines', a: numbered('x', 10), b: numbered('x', 10), expected: [{ first: 1, second: 1, lines: 10 }] },
    { name: 'nine shared lines', a: numbered('x', 9), b: numbered('x', 9), expected: [] },
    {
      name: 'a longer block, reported once at its start',
      a: `other\n${numbered('x', 14)}`,
      b: `${numbered('x', 14)}\nelse`,
      expected: [{ first: 2, second: 1, lines: 14 }],
    },
    {
      name: 'indentation and inner spaces differ',
      a: numbered('x  y', 10),
      b: numbered('  x y', 10).replace(/\n/g, '\n\t'),
      expected: [{ first: 1, second: 1, lines: 10 }],
    },
    {
      name: 'blank and bracket-only lines neither count nor break it',
      a: numbered('x', 10).replace(/\n/g, '\n\n  ),\n{\n'),
      b: numbered('x', 10),
      expected: [{ first: 1, second: 1, lines: 10 }],
    },
    {
      name: 'eight shared lines padded with brackets',
      a: `(\n)\n{\n}\n${numbered('x', 8)}`,
      b: `(\n)\n{\n}\n${numbered('x', 8)}`,
      expected: [],
    },
    {
      name: 'one line differs in the middle',
      a: numbered('x', 10),
      b: numbered('x', 10).replace('x line 5,', 'x line five,'),
      expected: [],
    },
  ])('$name', ({ a, b, expected }) => {
    const blocks = sharedBlocks(
      [
        { path: 'a', text: a },
        { path: 'b', text: b },
      ],
      MIN_LINES,
    );
    expect(blocks.map((s) => ({ first: s.first.line, second: s.second.line, lines: s.lines }))).toEqual(expected);
  });

  it('ignores a block repeated within one file', () => {
    expect(sharedBlocks([{ path: 'a', text: `${numbered('x', 10)}\n${numbered('x', 10)}` }], MIN_LINES)).toEqual([]);
  });

  it('reports every pair of files that share a block', () => {
    const files = ['a', 'b', 'c'].map((path) => ({ path, text: numbered('x', 10) }));
    expect(
      sharedBlocks(files, MIN_LINES)
        .map((s) => `${s.first.path}-${s.second.path}`)
        .sort(),
    ).toEqual(['a-b', 'a-c', 'b-c']);
  });
});

describe('definitions/', () => {
  it(`has no block of ${MIN_LINES} or more identical lines in two files`, () => {
    const files = filesUnder(join(ROOT, 'definitions'));
    expect(files.length).toBeGreaterThan(10);
    const found = sharedBlocks(files, MIN_LINES).map(
      (s) => `${s.first.path}:${s.first.line} and ${s.second.path}:${s.second.line} share ${s.lines} lines`,
    );
    expect(found).toEqual([]);
  });
});
