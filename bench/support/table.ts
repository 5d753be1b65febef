/** The benchmark's result rows, their markdown table, and README's copy of it. */
import { readFileSync, writeFileSync } from 'node:fs';
import { median } from './measure.ts';

export interface StepRuns {
  step: string;
  /** Lines the step handles (for lines/s). */
  lines: number;
  seconds: number[];
  cpuSeconds: number[];
  peakRssMb: number[];
}

export interface StepResult {
  step: string;
  lines: number;
  runs: number;
  medianSeconds: number;
  linesPerSecond: number;
  /** median wall / GoAccess's median wall in the same run (null without GoAccess). */
  ratioToGoaccess: number | null;
  medianCpuSeconds: number;
  /** The largest peak RSS over the runs. */
  peakRssMb: number;
  seconds: number[];
}

export function summarize(runs: StepRuns[], goaccessStep: string): StepResult[] {
  const peer = runs.find((r) => r.step === goaccessStep);
  const peerMedian = peer && peer.seconds.length > 0 ? median(peer.seconds) : null;
  return runs
    .filter((r) => r.seconds.length > 0)
    .map((r) => {
      const m = median(r.seconds);
      return {
        step: r.step,
        lines: r.lines,
        runs: r.seconds.length,
        medianSeconds: m,
        linesPerSecond: r.lines / m,
        ratioToGoaccess: peerMedian ? m / peerMedian : null,
        medianCpuSeconds: median(r.cpuSeconds),
        peakRssMb: Math.max(...r.peakRssMb),
        seconds: r.seconds,
      };
    });
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const rss = (mb: number) => (mb >= 1000 ? `${(mb / 1024).toFixed(2)} GB` : `${Math.round(mb)} MB`);

export function markdownTable(results: StepResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.step} | ${r.medianSeconds.toFixed(2)} s | ${int(r.linesPerSecond)} | ${r.ratioToGoaccess === null ? 'n/a' : r.ratioToGoaccess.toFixed(2)} | ${rss(r.peakRssMb)} | ${r.medianCpuSeconds.toFixed(1)} s |`,
  );
  return [
    '| step | median wall | lines/s | ratio to GoAccess (same run) | peak RSS | median CPU |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export const README_START = '<!-- bench:pipeline:start -->';
export const README_END = '<!-- bench:pipeline:end -->';

/** Replaces README's block between the markers with `block`; false when the markers are missing. */
export function updateReadme(path: string, block: string): boolean {
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start === -1 || end < start) return false;
  writeFileSync(path, `${text.slice(0, start + README_START.length)}\n${block}\n${text.slice(end)}`);
  return true;
}
