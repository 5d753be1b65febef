/**
 * User-agent parsing shared by both warehouses: the one place where the output STRUCT and
 * the device rule are defined.
 *
 * - BigQuery: definitions/udfs/parse_user_agent.sqlx creates a persistent JavaScript UDF
 *   whose body is UA_FUNCTION_BODY, with ua-parser-js 1.x (MIT) loaded from GCS.
 * - DuckDB: functions/duckdb.ts compiles the same UA_FUNCTION_BODY with the
 *   installed ua-parser-js and registers it as logflow_parse_user_agent(VARCHAR).
 *
 * Rules (both sides): NULL, '' and '-' (Apache's "no user agent") give a NULL struct;
 * otherwise every field is ua-parser-js' value or NULL, except device_type, which is
 * ua-parser's type (mobile, tablet, smarttv, console, wearable, embedded, xr) or 'desktop'
 * when it gives none (ua-parser's own convention: no type means a desktop browser; crawlers
 * such as Googlebot therefore also get 'desktop': use is_bot to tell them apart).
 */

/** Output fields, in STRUCT order. All strings. */
const UA_FIELDS = [
  'browser_name',
  'browser_version',
  'browser_major',
  'engine_name',
  'engine_version',
  'os_name',
  'os_version',
  'device_type',
  'device_vendor',
  'device_model',
];

/** The BigQuery return type of the UDF. */
const UA_STRUCT_BIGQUERY = `struct<${UA_FIELDS.map((f) => `${f} string`).join(', ')}>`;

/**
 * JavaScript source of the body of `function (ua) { ... }` with the global `UAParser`
 * (ua-parser-js 1.x) in scope. Plain ES5, no triple quotes, so it fits in r"""...""".
 */
const UA_FUNCTION_BODY = `
if (ua === null || ua === undefined || ua === '' || ua === '-') return null;
var r = new UAParser(String(ua)).getResult();
function v(x) { return x === undefined || x === null || x === '' ? null : String(x); }
return {
  browser_name: v(r.browser.name),
  browser_version: v(r.browser.version),
  browser_major: v(r.browser.major),
  engine_name: v(r.engine.name),
  engine_version: v(r.engine.version),
  os_name: v(r.os.name),
  os_version: v(r.os.version),
  device_type: v(r.device.type) || 'desktop',
  device_vendor: v(r.device.vendor),
  device_model: v(r.device.model)
};
`.trim();

/**
 * The OPTIONS(library=[...]) list of the BigQuery UDF: the ua-parser-js 1.x build
 * (dist/ua-parser.min.js, MIT) copied to GCS. Throws (a compilation error naming the var)
 * unless it is a gs:// URI.
 * @param {string} uri value of the project var uaParserLibraryUri
 * @returns {string} e.g. ["gs://bucket/ua-parser.min.js"]
 */
function udfLibraries(uri) {
  if (typeof uri !== 'string' || !/^gs:\/\/[a-z0-9._-]+\/[^"\\\n]+\.js$/.test(uri)) {
    throw new Error(
      `var uaParserLibraryUri must be a gs://bucket/path.js URI of ua-parser-js 1.x dist/ua-parser.min.js, got ${JSON.stringify(uri)}`,
    );
  }
  return JSON.stringify([uri]);
}

/** Column descriptions for models that expose the parsed fields. */
const UA_COLUMN_DOCS = {
  browser_name: 'Browser family from ua-parser-js 1.x (e.g. Chrome, Firefox, Mobile Safari); NULL when unknown.',
  browser_version: 'Full browser version string; NULL when unknown.',
  browser_major: 'Browser major version; NULL when unknown.',
  engine_name: 'Rendering engine (Blink, Gecko, WebKit...); NULL when unknown.',
  engine_version: 'Rendering engine version; NULL when unknown.',
  os_name: 'Operating system (Windows, Mac OS, iOS, Android, Linux...); NULL when unknown.',
  os_version: 'Operating system version; NULL when unknown.',
  device_type:
    "ua-parser's device type (mobile, tablet, smarttv, console, wearable, embedded, xr), or 'desktop' when it reports none; NULL only when the user agent is missing.",
  device_vendor: 'Device vendor (Apple, Samsung...); NULL when unknown.',
  device_model: 'Device model (iPhone, SM-G991B...); NULL when unknown.',
};

module.exports = { UA_FIELDS, UA_STRUCT_BIGQUERY, UA_FUNCTION_BODY, UA_COLUMN_DOCS, udfLibraries };
