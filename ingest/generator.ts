import type { GeneratorOptions } from '../generator/index.ts';

/** Lines from the built-in generator (loaded lazily so that ingesting files does not pay for it). */
export async function generatorLines(options: Partial<GeneratorOptions>): Promise<Iterable<string>> {
  const { generateLines } = await import('../generator/index.ts');
  return generateLines(options);
}
