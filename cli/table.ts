/** Renders rows as an aligned text table for the terminal; control characters are made visible. */
export function formatTable(columns: string[], rows: Record<string, unknown>[], maxRows = 100): string {
  const shown = rows.slice(0, maxRows);
  const cell = (v: unknown) => {
    const text = v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    // eslint-disable-next-line no-control-regex
    const safe = text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    return safe.length > 80 ? safe.slice(0, 77) + '...' : safe;
  };
  const body = shown.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)];
  const more = rows.length > shown.length ? `\n(${rows.length - shown.length} more rows; use --max-rows or --json)` : '';
  return out.join('\n') + `\n(${rows.length} row${rows.length === 1 ? '' : 's'})` + more;
}
