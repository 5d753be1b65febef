import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { partitionProblems } from '../../check/ddl-rules.ts';
import { bigqueryLandingDdl, ensureLanding, LANDING_ARRIVAL, LANDING_PARTITION_UNIT } from '../../pipeline/landing.ts';

async function connect() {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run("set TimeZone = 'UTC'");
  return connection;
}

describe('ensureLanding()', () => {
  it("gives every row the hour it landed in _PARTITIONTIME, as BigQuery's ingestion-time partitioning does, whatever its publish_time", async () => {
    const c = await connect();
    await ensureLanding(c);
    await c.run(`insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes)
      values ('s', 'm1', timestamptz '2020-01-01 00:00:00+00', 'x'::blob, '{}'::json)`);
    const row = (
      await c.runAndReadAll(
        `select epoch_us(_PARTITIONTIME) as landed, epoch_us(date_trunc('hour', current_timestamp)) as hour, epoch_us(publish_time) as published from logflow_raw.landing`,
      )
    ).getRowObjectsJS()[0]!;
    expect(row.landed).toBe(row.hour);
    expect(row.published).toBe(BigInt(Date.UTC(2020, 0, 1)) * 1000n);
  });

  it('adds the arrival column to a landing table created before it existed', async () => {
    const c = await connect();
    await c.run('create schema logflow_raw');
    await c.run(
      'create table logflow_raw.landing (subscription_name varchar, message_id varchar, publish_time timestamptz, data blob, attributes json)',
    );
    await c.run(`insert into logflow_raw.landing values ('s', 'm0', now(), 'x'::blob, '{}'::json)`);
    await ensureLanding(c);
    await ensureLanding(c);
    const rows = (
      await c.runAndReadAll(`select message_id, _partitiontime is not null as landed from logflow_raw.landing`)
    ).getRowObjectsJS();
    expect(rows).toEqual([{ message_id: 'm0', landed: true }]);
  });
});

describe('bigqueryLandingDdl()', () => {
  it('partitions by ingestion time, hourly, with expiring partitions', () => {
    expect(bigqueryLandingDdl('my-project')).toBe(
      'create table if not exists `my-project.logflow_raw.landing` (\n  subscription_name string,\n  message_id string,\n  publish_time timestamp,\n  data bytes,\n  attributes json\n)\n' +
        'partition by timestamp_trunc(_PARTITIONTIME, hour)\noptions (partition_expiration_days = 365)',
    );
    expect(partitionProblems(`timestamp_trunc(${LANDING_ARRIVAL}, ${LANDING_PARTITION_UNIT})`, [])).toEqual([]);
    expect(bigqueryLandingDdl('my-project', null)).not.toContain('options');
  });

  it.each([7, 416, 1.5])('refuses an expiration of %s days (Pub/Sub retention, the 10,000-partition limit)', (days) => {
    expect(() => bigqueryLandingDdl('my-project', days)).toThrow(/from 8 to 415/);
  });
});
