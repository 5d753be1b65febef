import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../../ingest/index.ts';
import { startPubsubFake, type PubsubFake } from '../support/pubsub-fake.ts';

let fake: PubsubFake;
beforeAll(async () => {
  fake = await startPubsubFake();
});
afterAll(async () => {
  await fake.stop();
});

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const text = () => fake.messages.map((m) => m.data.toString());

describe('runIngest({ follow: true })', () => {
  it('follows growth, rename rotation, copy-truncate, new files and a held partial line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-follow-'));
    const log = join(dir, 'access.log');
    const reports: string[] = [];
    try {
      writeFileSync(log, 'a1\na2\n');
      const controller = new AbortController();
      const run = runIngest({
        inputs: [join(dir, '*.log')],
        follow: true,
        pollMs: 20,
        sink: 'pubsub',
        statePath: join(dir, 'state.json'),
        signal: controller.signal,
        report: (m) => reports.push(m),
        pubsub: {
          topic: 'projects/test-project/topics/follow',
          endpoint: fake.endpoint,
          batching: { maxMessages: 100, maxBytes: 1 << 20, maxMilliseconds: 1 },
          flowControl: { maxOutstandingMessages: 1000, maxOutstandingBytes: 1 << 24 },
          retries: 2,
          timeoutMs: 2000,
        },
      });
      await until('the first lines', () => fake.messages.length === 2);
      appendFileSync(log, 'a3\npartial');
      await until('a3', () => text().includes('a3'));
      await new Promise((r) => setTimeout(r, 100));
      expect(text()).not.toContain('partial');
      appendFileSync(log, ' done\n');
      await until('the completed line', () => text().includes('partial done'));

      // rename rotation: the writer appends once more to the old file, then a new file appears
      renameSync(log, join(dir, 'access.log.1'));
      appendFileSync(join(dir, 'access.log.1'), 'a5 after rename\n');
      writeFileSync(log, 'b1\n');
      await until('b1', () => text().includes('b1'));
      await until('a5', () => text().includes('a5 after rename'));

      // copy-truncate: copy to a name outside the glob, truncate, keep writing
      appendFileSync(log, 'b2\n');
      await until('b2', () => text().includes('b2'));
      copyFileSync(log, join(dir, 'access.log.2'));
      // truncated and written again between two polls: caught by the changed first line
      truncateSync(log, 0);
      appendFileSync(log, 'c1 after truncate\n');
      await until('c1', () => text().includes('c1 after truncate'));

      // a new file matching the glob
      writeFileSync(join(dir, 'other.log'), 'o1\n');
      await until('o1', () => text().includes('o1'));

      controller.abort();
      const summary = await run;
      expect(summary.failed).toBe(0);
      expect(text().sort()).toEqual(['a1', 'a2', 'a3', 'partial done', 'a5 after rename', 'b1', 'b2', 'c1 after truncate', 'o1'].sort());
      expect(reports.join('\n')).toMatch(/truncated/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
