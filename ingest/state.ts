import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LogflowError } from '../core/errors.ts';
import type { Checkpoint } from './types.ts';

/**
 * The Pub/Sub sink's checkpoint file: JSON {version, checkpoints: {source_id: Checkpoint}},
 * replaced atomically (write a temp file, fsync, rename) so a crash leaves the old or the new one.
 */
export class StateFile {
  private readonly checkpoints = new Map<string, Checkpoint>();

  constructor(readonly path: string) {}

  load(): Checkpoint[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new LogflowError(`cannot read ingest state ${this.path}: ${(error as Error).message}`);
    }
    try {
      const json = JSON.parse(text) as { checkpoints?: Record<string, Checkpoint> };
      for (const cp of Object.values(json.checkpoints ?? {})) this.checkpoints.set(cp.sourceId, cp);
    } catch (error) {
      throw new LogflowError(
        `ingest state ${this.path} is not valid JSON (${(error as Error).message}); move it away to start over (lines would be sent again)`,
      );
    }
    return [...this.checkpoints.values()];
  }

  set(cp: Checkpoint): void {
    this.checkpoints.set(cp.sourceId, cp);
  }

  save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const body = JSON.stringify({ version: 1, checkpoints: Object.fromEntries(this.checkpoints) }, null, 1);
    writeFileSync(tmp, body);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
