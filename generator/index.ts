/**
 * Synthetic web access logs with ground truth. See README.md for the traffic model, the formats
 * (incl. the json field names) and the truth fields.
 *
 *   for (const line of generateLines({ seed: 7, lines: 1000 })) console.log(line);
 */
import { Engine, type Truth } from './engine.ts';
import { resolveOptions, type GeneratorOptions } from './options.ts';

export { DEFAULT_GENERATOR_OPTIONS, DEFAULT_START, LOG_FORMATS, resolveOptions } from './options.ts';
export type { GeneratorOptions, LogFormat, Plan } from './options.ts';
export type { Truth } from './engine.ts';
export { truthJson } from './truth.ts';
export type { Scenario } from './hit.ts';

/** Log lines without trailing newline, deterministic for the options (seed included). */
export function* generateLines(options: Partial<GeneratorOptions> = {}): Iterable<string> {
  const engine = new Engine(resolveOptions(options));
  for (let line = engine.next(); line !== null; line = engine.next()) yield line;
}

/** Log lines with the ground truth of each (the truth object is fresh per line). */
export function* generateRecords(options: Partial<GeneratorOptions> = {}): Iterable<{ line: string; truth: Truth }> {
  const engine = new Engine(resolveOptions(options));
  for (let line = engine.next(); line !== null; line = engine.next()) yield { line, truth: { ...engine.truth } };
}

/** The engine itself, for callers that stream large volumes (the CLI, benchmarks). */
export function createEngine(options: Partial<GeneratorOptions> = {}): Engine {
  return new Engine(resolveOptions(options));
}
export { Engine };
