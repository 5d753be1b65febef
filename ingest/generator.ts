import { LogflowError } from '../cli/errors.ts';

/** The generator's entry point (generator/index.ts), loaded lazily so that ingest does not pay for it. */
export interface GeneratorModule {
  generateLines(options?: Record<string, unknown>): Iterable<string>;
}

const GENERATOR = '../generator/index.ts';

/** Lines from the built-in generator with these options (seed, lines, format, ...). */
export async function generatorLines(options: Record<string, unknown>): Promise<Iterable<string>> {
  let mod: GeneratorModule;
  try {
    mod = (await import(GENERATOR)) as GeneratorModule;
  } catch (error) {
    throw new LogflowError(`the generator is not available (${(error as Error).message.split('\n')[0]}); pipe \`logflow generate\` into \`logflow ingest -\` instead`);
  }
  return mod.generateLines(options);
}
