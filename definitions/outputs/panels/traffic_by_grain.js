/**
 * Traffic per UTC time bucket, one incremental table per grain: traffic_by_hour and
 * traffic_by_minute (one row per bucket with requests; includes/outputs.js trafficMeasures).
 * Each grain is published from GRAINS in the loop below (Dataform's JavaScript API); adding a
 * grain (any dialect.timestampTrunc unit, e.g. "day") is one entry.
 *
 * Incremental: every bucket that holds a request received after the watermark
 * (includes/watermarks.js) is recomputed whole and merged on the bucket, so the result equals
 * a full refresh.
 */

const d = dialect;

const GRAINS = ['hour', 'minute'];

/**
 * The traffic of every bucket this run recomputes: the buckets of the requests received after
 * the watermark, found in int_lines_parsed (partitioned by arrival, so BigQuery prunes it), then
 * the requests of those buckets from `from` on (requests is partitioned by request time).
 */
function traffic(ctx, bucketColumn, bucket, since, from, stagedSince) {
  return `
with

requests as (
  select * from ${ctx.ref('requests')}
  where requested_at is not null
  ${ctx.when(
    ctx.incremental(),
    `and requested_at >= ${from}
    and ${bucket} in (
      select distinct ${bucket} from ${ctx.ref('int_lines_parsed')}
      where is_parsed and received_at > ${since} and staged_at > ${stagedSince}
    )`,
  )}
),

final as (
  select
    ${bucket} as ${bucketColumn},
    ${outputs.trafficMeasures(d)},
  from requests
  group by 1
)

select * from final
`;
}

for (const grain of GRAINS) {
  const name = `traffic_by_${grain}`;
  const bucketColumn = `${grain}_at`;
  const since = `${name}_since`;
  const from = `${name}_from`;
  const stagedSince = `${name}_staged_since`;
  const bucket = d.timestampTrunc('requested_at', grain);
  // Its run mark (includes/watermarks.js markRun): the new requests of the buckets it recomputes.
  const mark = (ctx) => ({ table: ctx.ref(watermarks.MARKS), model: name });
  const marked = (ctx) =>
    watermarks.markRun(d, mark(ctx), {
      upstream: ctx.ref('requests'),
      newRows: `received_at > ${d.variable(since)} and staged_at > ${d.variable(stagedSince)}${ctx.incremental() ? ` and requested_at >= ${d.variable(from)}` : ''}`,
    });
  publish(name, {
    type: 'incremental',
    schema: 'logflow',
    uniqueKey: [bucketColumn],
    description:
      `One row per UTC ${grain} with requests: hits, page views, unique visitors, bytes, hits per status class and error rates; ` +
      'the basis for near-real-time dashboards. ' +
      `Incremental: every ${grain} that holds a request staged since the last run is recomputed whole, so the result equals a full refresh.`,
    // BigQuery only (the local executor merges on the key): the MERGE reads the recomputed buckets' partitions.
    bigquery: { partitionBy: `DATE(${bucketColumn})`, clusterBy: [bucketColumn], updatePartitionFilter: `${bucketColumn} >= ${from}` },
    columns: {
      [bucketColumn]: `Start of the UTC ${grain}.`,
      ...outputs.TRAFFIC_COLUMNS,
    },
  })
    .preOps((ctx) => [
      watermarks.declareWatermark(
        d,
        since,
        ctx.incremental(),
        ctx.self(),
        'last_received_at',
        constants.LOOKBACK_MINUTES,
        constants.LATE_ARRIVAL_DAYS,
        { timestamp: bucketColumn },
        mark(ctx),
      ),
      watermarks.declareStagedWatermark(
        d,
        stagedSince,
        ctx.incremental(),
        ctx.self(),
        'last_staged_at',
        constants.LATE_ARRIVAL_DAYS,
        { timestamp: bucketColumn },
        mark(ctx),
      ),
      ctx.when(
        ctx.incremental(),
        d.declareVariable(
          from,
          'timestamp',
          `select min(${bucket}) from ${ctx.ref('int_lines_parsed')} where is_parsed and received_at > ${d.variable(since)} and staged_at > ${d.variable(stagedSince)}`,
        ),
      ),
      ...marked(ctx).preOps,
    ])
    .postOps((ctx) => marked(ctx).postOps)
    .query((ctx) => traffic(ctx, bucketColumn, bucket, d.variable(since), d.variable(from), d.variable(stagedSince)));
}
