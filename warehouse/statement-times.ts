import { appendFileSync } from 'node:fs';

/**
 * Per-statement timing of a run, for profiling: with LOGFLOW_STATEMENT_TIMES set to a file path,
 * the executor appends one tab-separated line per statement it runs (action, step, milliseconds,
 * the statement's first 120 characters on one line). Off (undefined) otherwise: no cost.
 */
export function statementTimer(
  action: string,
  env: NodeJS.ProcessEnv = process.env,
): ((what: string, sql: string, startedAt: number) => void) | undefined {
  const file = env.LOGFLOW_STATEMENT_TIMES;
  if (!file) return undefined;
  return (what, sql, startedAt) => {
    const ms = (performance.now() - startedAt).toFixed(1);
    const head = sql.replace(/\s+/g, ' ').trim().slice(0, 120);
    appendFileSync(file, `${action}\t${what}\t${ms}\t${head}\n`);
  };
}
