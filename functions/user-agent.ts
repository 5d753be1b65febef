import { UAParser } from 'ua-parser-js';
import { loadInclude } from '../warehouse/includes.ts';

/** includes/ua.js: the struct fields and the JS function body shared with the BigQuery UDF. */
export interface UaInclude {
  UA_FIELDS: readonly UaField[];
  UA_STRUCT_BIGQUERY: string;
  UA_FUNCTION_BODY: string;
  UA_COLUMN_DOCS: Record<UaField, string>;
}

export type UaField =
  | 'browser_name'
  | 'browser_version'
  | 'browser_major'
  | 'engine_name'
  | 'engine_version'
  | 'os_name'
  | 'os_version'
  | 'device_type'
  | 'device_vendor'
  | 'device_model';

export type ParsedUserAgent = Record<UaField, string | null>;

export const UA = loadInclude<UaInclude>('ua');

/**
 * Parses one user agent with ua-parser-js 1.x through exactly the function body the BigQuery
 * UDF runs (includes/ua.js). Returns null for a missing user agent (NULL, '' or '-').
 */
export const parseUserAgent = new Function('UAParser', `return function (ua) {\n${UA.UA_FUNCTION_BODY}\n};`)(UAParser) as (
  ua: string | null,
) => ParsedUserAgent | null;
