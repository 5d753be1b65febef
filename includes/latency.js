/**
 * Time served and latency percentiles of grouped requests (the request_time_us column of
 * requests: whole microseconds, NULL when the format does not log a request time), for the
 * panels in definitions/outputs/panels/request_panels.js. Every function takes the dialect
 * helpers `d` (includes/dialect.js) first.
 *
 * Percentiles are exact and engine-portable: the nearest-rank method on the sorted times of a
 * group, computed with ROW_NUMBER and COUNT windows and integer arithmetic only, so BigQuery
 * and DuckDB give the same INT64 (no APPROX_QUANTILES, no PERCENTILE_CONT interpolation in
 * floating point). The p-th percentile of n times is the time at rank ceil(p * n / 100):
 * the smallest logged time that at least p% of the group's requests did not exceed.
 */

/** The percentiles every latency panel publishes. */
const PERCENTILES = [50, 95, 99];

/**
 * GoAccess's time-served measures (avg. T.S., cum. T.S., max. T.S.) over the grouped requests
 * that logged a request time; NULL when none did.
 * @param {object} d
 */
function timeServedMeasures(d) {
  return `count(request_time_us) as timed_hits,
    ${d.safeDivide('sum(request_time_us)', 'count(request_time_us)')} as avg_time_served_us,
    sum(request_time_us) as cum_time_served_us,
    max(request_time_us) as max_time_served_us`;
}

/**
 * The select list that ranks each timed request within its group: `time_rank` (1 = fastest)
 * and `group_timed_hits`. Read it back with percentileMeasures, grouped by the same keys.
 * @param {object} d
 * @param {string[]} keys the group's columns (names of columns of the rows being ranked)
 */
function rankTimes(d, keys) {
  const partition = keys.length ? `partition by ${keys.join(', ')} ` : '';
  return `row_number() over (${partition}order by request_time_us) as time_rank,
    count(*) over (${partition.trim()}) as group_timed_hits`;
}

/**
 * The rank of the p-th percentile among `n` times (nearest rank): ceil(p * n / 100), in INT64.
 * @param {object} d
 * @param {number} p 1..100
 * @param {string} n SQL expression of the count
 */
function nearestRank(d, p, n) {
  if (!Number.isInteger(p) || p < 1 || p > 100) throw new Error(`latency.nearestRank: percentile ${p} is not a whole number in 1..100`);
  return d.intDiv(`(${p} * ${n} + 99)`, '100');
}

/**
 * p50_us, p95_us, p99_us (PERCENTILES) of the ranked rows (rankTimes), one per group.
 * @param {object} d
 */
function percentileMeasures(d) {
  return PERCENTILES.map(
    (p) => `max(case when time_rank = ${nearestRank(d, p, 'group_timed_hits')} then request_time_us end) as p${p}_us`,
  ).join(',\n    ');
}

/** Column descriptions of the time-served and percentile measures. */
const LATENCY_COLUMNS = {
  timed_hits: 'Requests that logged a request time (the ones the time columns describe).',
  avg_time_served_us: "Average time served, microseconds (GoAccess's avg. T.S.); NULL when no request logged a time.",
  cum_time_served_us: "Total time served, microseconds (GoAccess's cum. T.S.); NULL when no request logged a time.",
  max_time_served_us: "Longest time served, microseconds (GoAccess's max. T.S.); NULL when no request logged a time.",
  ...Object.fromEntries(
    PERCENTILES.map((p) => [
      `p${p}_us`,
      `${p}th percentile of the time served, microseconds, exact (nearest rank: the smallest logged time that at least ${p}% of the timed requests did not exceed).`,
    ]),
  ),
};

module.exports = { PERCENTILES, timeServedMeasures, rankTimes, nearestRank, percentileMeasures, LATENCY_COLUMNS };
