/**
 * IP to country / autonomous system lookups against the reference tables that
 * `logflow geo load` writes (dataset logflow_ref; declared in definitions/sources/ip_*.sqlx).
 *
 * Keys are the IP key of dialect.ipKey: lowercase hex, 8 chars (IPv4) or 32 (IPv6), so string
 * order is numeric order within a family. A range table row is
 *   bucket, start_key, end_key, <payload>        (start_key <= key <= end_key, inclusive)
 * and the bucket makes the range join an equi-join: each range is stored once, under the
 * narrowest prefix bucket that holds it whole (IPv4: /24, /16, /8; IPv6: /64, /48, /40, /32,
 * /24, /16), and a range wider than the coarsest level is repeated under each coarsest bucket
 * it covers. A bucket is the family digit then the key prefix: '4' || left(key, 6) is the /24
 * bucket of an IPv4 key. A lookup key probes one bucket per level.
 *
 * Everything here is warehouse-neutral SQL (left, length, substr, concat, row_number) that
 * runs unchanged on BigQuery and DuckDB.
 */

/** Bucket prefix lengths in hex characters, narrowest first, per family (shared with the loader). */
const BUCKET_LEVELS = { 4: [6, 4, 2], 6: [16, 12, 10, 8, 6, 4] };

/** Country code for an address that no range covers (ISO 3166 user-assigned "unknown"). */
const UNKNOWN_COUNTRY = 'ZZ';

/**
 * Address blocks that are not on the public internet, as inclusive key ranges.
 * scope: private (RFC 1918, fc00::/7), shared (RFC 6598 carrier-grade NAT), loopback,
 * link_local, unspecified, multicast, documentation, reserved; everything else is public.
 */
const SPECIAL_RANGES = [
  ['00000000', '00ffffff', 'reserved'], // 0.0.0.0/8 "this network"
  ['0a000000', '0affffff', 'private'], // 10.0.0.0/8
  ['64400000', '647fffff', 'shared'], // 100.64.0.0/10
  ['7f000000', '7fffffff', 'loopback'], // 127.0.0.0/8
  ['a9fe0000', 'a9feffff', 'link_local'], // 169.254.0.0/16
  ['ac100000', 'ac1fffff', 'private'], // 172.16.0.0/12
  ['c0000200', 'c00002ff', 'documentation'], // 192.0.2.0/24
  ['c0a80000', 'c0a8ffff', 'private'], // 192.168.0.0/16
  ['c6336400', 'c63364ff', 'documentation'], // 198.51.100.0/24
  ['cb007100', 'cb0071ff', 'documentation'], // 203.0.113.0/24
  ['e0000000', 'efffffff', 'multicast'], // 224.0.0.0/4
  ['f0000000', 'ffffffff', 'reserved'], // 240.0.0.0/4 and broadcast
  ['00000000000000000000000000000000', '00000000000000000000000000000000', 'unspecified'], // ::
  ['00000000000000000000000000000001', '00000000000000000000000000000001', 'loopback'], // ::1
  ['20010db8000000000000000000000000', '20010db8ffffffffffffffffffffffff', 'documentation'], // 2001:db8::/32
  ['fc000000000000000000000000000000', 'fdffffffffffffffffffffffffffffff', 'private'], // fc00::/7
  ['fe800000000000000000000000000000', 'febfffffffffffffffffffffffffffff', 'link_local'], // fe80::/10
  ['ff000000000000000000000000000000', 'ffffffffffffffffffffffffffffffff', 'multicast'], // ff00::/8
];

/**
 * The key used for range lookups: an IPv4-mapped IPv6 key (::ffff:a.b.c.d) becomes the
 * IPv4 key, everything else is unchanged.
 * @param {string} key SQL expression of an IP key
 */
function lookupKey(key) {
  return `(case when length(${key}) = 32 and left(${key}, 24) = '00000000000000000000ffff' then substr(${key}, 25) else ${key} end)`;
}

/**
 * The address scope of a lookup key (see SPECIAL_RANGES), 'public' otherwise, NULL for NULL.
 * @param {string} key SQL expression of a lookup key
 */
function ipScope(key) {
  const whens = SPECIAL_RANGES.map(
    ([start, end, scope]) => `when ${key} between '${start}' and '${end}' and length(${key}) = ${start.length} then '${scope}'`,
  );
  return `(case when ${key} is null then null ${whens.join(' ')} else 'public' end)`;
}

/**
 * SQL rows (ip_key, lookup_key, bucket): one per bucket level of each key of `relation`.
 * @param {string} relation a table or CTE name with a column ip_key
 */
function ipBuckets(relation) {
  const parts = [];
  for (const [family, levels] of Object.entries(BUCKET_LEVELS)) {
    for (const n of levels) {
      parts.push(
        `select ip_key, lookup_key, concat('${family}', left(lookup_key, ${n})) as bucket from ${relation} where length(lookup_key) = ${family === '4' ? 8 : 32}`,
      );
    }
  }
  return parts.join('\n  union all\n  ');
}

/**
 * A query with one row per distinct non-NULL ip_key of `relation`:
 *   ip_key, country_code (ISO 3166 alpha-2, 'ZZ' when no range covers it), asn (NULL when
 *   unknown), as_org, region, city (NULL when no city range covers it, or no cityRanges), ip_scope (public, private, shared, loopback, link_local, unspecified,
 *   multicast, documentation, reserved).
 * When ranges overlap, the one starting last (the innermost) wins.
 * @param {{ ipKeys: string, countryRanges: string, asnRanges: string, cityRanges?: string }} tables
 *   ipKeys: relation with column ip_key; countryRanges / asnRanges / cityRanges: the reference
 *   tables (e.g. ref("ip_country_ranges"), ref("ip_asn_ranges"), ref("ip_city_ranges")).
 *   Without cityRanges, region and city are NULL. The country comes from countryRanges only,
 *   so loading a city database never changes the country breakdown.
 * @returns {string} a SELECT statement (use it as a CTE body)
 */
function ipLocationsSql({ ipKeys, countryRanges, asnRanges, cityRanges }) {
  const cityMatches = cityRanges
    ? `,

geo_city_matches as (
  select
    b.ip_key,
    r.region,
    r.city,
    row_number() over (partition by b.ip_key order by r.start_key desc, r.end_key) as match_rank
  from geo_buckets as b
  inner join ${cityRanges} as r
    on r.bucket = b.bucket and b.lookup_key between r.start_key and r.end_key
)`
    : '';
  return `with geo_keys as (
  select distinct ip_key, ${lookupKey('ip_key')} as lookup_key
  from ${ipKeys}
  where ip_key is not null
),

geo_buckets as (
  ${ipBuckets('geo_keys')}
),

geo_country_matches as (
  select
    b.ip_key,
    r.country_code,
    row_number() over (partition by b.ip_key order by r.start_key desc, r.end_key) as match_rank
  from geo_buckets as b
  inner join ${countryRanges} as r
    on r.bucket = b.bucket and b.lookup_key between r.start_key and r.end_key
),

geo_asn_matches as (
  select
    b.ip_key,
    r.asn,
    r.as_org,
    row_number() over (partition by b.ip_key order by r.start_key desc, r.end_key) as match_rank
  from geo_buckets as b
  inner join ${asnRanges} as r
    on r.bucket = b.bucket and b.lookup_key between r.start_key and r.end_key
)${cityMatches}

select
  k.ip_key,
  coalesce(c.country_code, '${UNKNOWN_COUNTRY}') as country_code,
  a.asn,
  a.as_org,
  ${cityRanges ? 'ci.region' : 'cast(null as string) as region'},
  ${cityRanges ? 'ci.city' : 'cast(null as string) as city'},
  ${ipScope('k.lookup_key')} as ip_scope
from geo_keys as k
left join geo_country_matches as c on c.ip_key = k.ip_key and c.match_rank = 1
left join geo_asn_matches as a on a.ip_key = k.ip_key and a.match_rank = 1${
    cityRanges ? '\nleft join geo_city_matches as ci on ci.ip_key = k.ip_key and ci.match_rank = 1' : ''
  }`;
}

/** Column descriptions shared by the declarations and the models that expose the lookup. */
const GEO_COLUMN_DOCS = {
  bucket:
    'Join bucket: the family digit (4 or 6) then the key prefix of the narrowest level holding the range whole (IPv4 /24, /16, /8; IPv6 /64, /48, /40, /32, /24, /16); wider ranges repeat under each coarsest bucket. Probe with geo.ipLocationsSql.',
  start_key: 'First address of the range (inclusive) as the IP key: lowercase hex, 8 chars IPv4 / 32 chars IPv6.',
  end_key: 'Last address of the range (inclusive), same form as start_key.',
  country_code: `ISO 3166-1 alpha-2 country code, upper case; '${UNKNOWN_COUNTRY}' when no range covers the address.`,
  asn: 'Autonomous system number (e.g. 15169); NULL when unknown.',
  as_org: 'Autonomous system organisation name (e.g. Google LLC); NULL when unknown.',
  region:
    'First-level subdivision (state, province, region) from the city database the user loaded; NULL when none is loaded or no city range covers the address.',
  city: 'City from the city database the user loaded; NULL when none is loaded or no city range covers the address.',
  ip_scope:
    'public, or why the address is not on the public internet: private, shared, loopback, link_local, unspecified, multicast, documentation, reserved.',
};

module.exports = { BUCKET_LEVELS, UNKNOWN_COUNTRY, SPECIAL_RANGES, lookupKey, ipScope, ipBuckets, ipLocationsSql, GEO_COLUMN_DOCS };
