import { describe, expect, it } from 'vitest';
import { toDuckdbNames } from '../../warehouse/sql.ts';
import { queryRows } from '../support/pipeline.ts';
import { addHits, downstreamGraph, requestsWarehouse, runDownstream, type Hit } from '../support/sessions.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const NOW_HOUR = Math.floor(Date.now() / (60 * MIN)) * 60 * MIN;

function hit(id: string, at: number): Hit {
  return { id, at: new Date(at), receivedAt: new Date(NOW_HOUR - 60 * MIN), ip: '192.0.2.9', ua: 'x' };
}

/** Sessions of one visitor: one recent (2 days ago) and one old (30 days ago), then a copy of each moved to overlap it. */
async function overlappingSessions(): Promise<Awaited<ReturnType<typeof requestsWarehouse>>> {
  const wh = await requestsWarehouse();
  await addHits(wh, [hit('recent', NOW_HOUR - 2 * DAY), hit('old', NOW_HOUR - 30 * DAY)]);
  await runDownstream(wh, { only: ['int_requests_sessionized', 'sessions'] });
  await wh.connection.run(`insert into "your-gcp-project"."logflow"."sessions"
    select * replace (md5(session_id) as session_id) from "your-gcp-project"."logflow"."sessions"`);
  return wh;
}

async function assertionRows(wh: Awaited<ReturnType<typeof requestsWarehouse>>, name: string): Promise<Record<string, unknown>[]> {
  const assertion = (downstreamGraph().assertions ?? []).find((a) => a.target.name === name);
  if (!assertion?.query) throw new Error(`no assertion ${name}`);
  return queryRows(wh, toDuckdbNames(assertion.query));
}

describe('sessions_no_overlap', () => {
  it.each([
    { name: 'sessions_no_overlap', overlaps: 1 },
    { name: 'sessions_no_overlap_full_history', overlaps: 2 },
  ])('$name returns the overlapping pairs it covers ($overlaps)', async ({ name, overlaps }) => {
    const wh = await overlappingSessions();
    try {
      expect(await assertionRows(wh, name)).toHaveLength(overlaps);
    } finally {
      wh.close();
    }
  });
});
