/**
 * Maps a line:column in compiled SQL back to the SQLX file it came from. Dataform's compiled
 * query is the SQLX text after the config block with every `${...}` replaced by its value, so a
 * compiled line is matched against the file's lines read as patterns (literal text, with each
 * `${...}` standing for any text); among matching lines the one nearest to where the compiled
 * line should be wins. A column inside literal text maps exactly; a column inside an expansion
 * maps to its `${`. Pure functions.
 */

export interface SourcePosition {
  /** 1-based line and column in the SQLX file. */
  line: number;
  column: number;
  /** True when the column points at the same character; false when it points at the `${...}` that produced it. */
  exact: boolean;
}

/** 0-based [start, end) offsets of every top-level `${...}` in the text (brace-balanced). */
export function placeholders(text: string): [number, number][] {
  const out: [number, number][] = [];
  let i = 0;
  while ((i = text.indexOf('${', i)) >= 0) {
    let depth = 0;
    let j = i + 1;
    for (; j < text.length; j++) {
      if (text[j] === '{') depth++;
      else if (text[j] === '}' && --depth === 0) break;
    }
    out.push([i, Math.min(j + 1, text.length)]);
    i = j + 1;
  }
  return out;
}

/** 1-based line of the `}` that closes the leading `config { ... }` block, or 0 when there is none. */
export function configEndLine(text: string): number {
  const m = /^\s*config\s*\{/.exec(text);
  if (!m) return 0;
  let depth = 0;
  for (let i = m[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(0, i).split('\n').length;
  }
  return 0;
}

interface Piece {
  literal: boolean;
  text: string;
  /** 0-based column in the file line where the piece starts. */
  column: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits each file line into literal pieces and placeholder pieces (placeholders may span lines). */
function linePieces(text: string): Piece[][] {
  const ranges = placeholders(text);
  const lines: Piece[][] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const pieces: Piece[] = [];
    let col = 0;
    while (col < line.length) {
      const at = offset + col;
      const range = ranges.find(([s, e]) => at >= s && at < e);
      if (range) {
        const end = Math.min(range[1] - offset, line.length);
        pieces.push({ literal: false, text: line.slice(col, end), column: range[0] >= offset ? range[0] - offset : 0 });
        col = end;
      } else {
        const next = ranges.find(([s]) => s > at);
        const end = next && next[0] - offset < line.length ? next[0] - offset : line.length;
        pieces.push({ literal: true, text: line.slice(col, end), column: col });
        col = end;
      }
    }
    lines.push(pieces);
    offset += line.length + 1;
  }
  return lines;
}

/** Matches one compiled line against one file line's pieces; returns the 0-based file column for `column0`, or undefined. */
function matchLine(pieces: Piece[], compiledLine: string, column0: number): { column: number; exact: boolean } | undefined {
  if (pieces.length === 0) return compiledLine.trim() === '' ? { column: 0, exact: true } : undefined;
  const source = pieces.map((p) => (p.literal ? `(${escapeRegExp(p.text)})` : '([\\s\\S]*?)')).join('');
  const m = new RegExp(`^${source}\\s*$`, 'd').exec(compiledLine.trimEnd());
  if (!m?.indices) return undefined;
  for (let i = 0; i < pieces.length; i++) {
    const [start, end] = m.indices[i + 1] ?? [0, 0];
    const piece = pieces[i]!;
    if (column0 >= start && (column0 < end || i === pieces.length - 1)) {
      return piece.literal
        ? { column: piece.column + Math.min(column0 - start, piece.text.length), exact: column0 < end }
        : { column: piece.column, exact: false };
    }
  }
  return { column: 0, exact: false };
}

/** Non-blank literal characters in a line's pieces: lines made only of an expansion match anything. */
function literalWeight(pieces: Piece[]): number {
  return pieces.filter((p) => p.literal).reduce((n, p) => n + p.text.replace(/\s/g, '').length, 0);
}

/**
 * Finds the SQLX position of 1-based `line`:`column` of `compiled` (an action's compiled query,
 * pre/post operation or operation query) in `fileText` (the SQLX file). Returns undefined when no
 * file line can have produced that compiled line (e.g. text generated entirely by an include).
 */
export function mapToSource(fileText: string, compiled: string, line: number, column: number): SourcePosition | undefined {
  const compiledLines = compiled.split('\n');
  const pieces = linePieces(fileText);
  const first = configEndLine(fileText); // 1-based line of the config's closing brace = 0-based index of the next line
  const expected = first + line - 1;
  for (let back = 0; back < 5 && line - back >= 1; back++) {
    const target = compiledLines[line - 1 - back];
    if (target === undefined) return undefined;
    if (target.trim() === '') continue;
    let best: { index: number; column: number; exact: boolean; weight: number } | undefined;
    for (let index = first; index < pieces.length; index++) {
      const linePieceList = pieces[index]!;
      const weight = literalWeight(linePieceList);
      const hit = matchLine(linePieceList, target, back === 0 ? column - 1 : 0);
      if (!hit) continue;
      const distance = (i: number) => Math.abs(i - (expected - back));
      let better: boolean;
      if (!best) better = true;
      else if (weight >= 3 !== best.weight >= 3) better = weight >= 3;
      else better = distance(index) < distance(best.index);
      if (better) best = { index, ...hit, weight };
    }
    if (best) {
      if (back === 0) return { line: best.index + 1, column: best.column + 1, exact: best.exact };
      // The compiled line came from a multi-line expansion: point at the last expansion on the nearest line that matched.
      const expansions = pieces[best.index]!.filter((p) => !p.literal);
      const last = expansions[expansions.length - 1];
      return { line: best.index + 1, column: (last?.column ?? 0) + 1, exact: false };
    }
  }
  return undefined;
}
