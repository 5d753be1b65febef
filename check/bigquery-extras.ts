import { parseType } from './types.ts';

/**
 * BigQuery names that ZetaSQL 2023.08 (the analyzer @fivetrandevelopers/zetasql 1.13.0 ships)
 * does not know, declared so that valid BigQuery SQL does not fail the check: functions added to
 * BigQuery after that release, and BigQuery's system variables. Only name and types are checked
 * for these; extend the lists when the check rejects a function BigQuery documents.
 */

type Argument = { kind: string; type?: ReturnType<typeof parseType>; numOccurrences: number; options: { cardinality: string } };

const fixed = (type: string, cardinality = 'REQUIRED'): Argument => ({
  kind: 'ARG_TYPE_FIXED',
  type: parseType(type),
  numOccurrences: -1,
  options: { cardinality },
});
const anyType = (): Argument => ({ kind: 'ARG_TYPE_ARBITRARY', numOccurrences: -1, options: { cardinality: 'REQUIRED' } });

/** Function name -> signatures (FunctionSignatureProto objects). */
export const EXTRA_FUNCTIONS: Record<string, Record<string, unknown>[]> = {
  // CONTAINS_SUBSTR(expression, search_value_literal[, json_scope => ...]): searches any value's text.
  contains_substr: [{ argument: [anyType(), fixed('STRING')], returnType: fixed('BOOL'), contextId: '0' }],
  // JSON_KEYS(json_expr[, max_depth]) -> ARRAY<STRING>
  json_keys: [{ argument: [fixed('JSON'), fixed('INT64', 'OPTIONAL')], returnType: fixed('ARRAY<STRING>'), contextId: '0' }],
  // COLLATE(value, collate_specification) -> STRING
  collate: [{ argument: [fixed('STRING'), fixed('STRING')], returnType: fixed('STRING'), contextId: '0' }],
};

/** BigQuery system variables (`@@name`) and their types. */
export const SYSTEM_VARIABLES: Record<string, string> = {
  current_job_id: 'STRING',
  dataset_id: 'STRING',
  dataset_project_id: 'STRING',
  last_job_id: 'STRING',
  location: 'STRING',
  project_id: 'STRING',
  query_label: 'STRING',
  row_count: 'INT64',
  session_id: 'STRING',
  time_zone: 'STRING',
  'script.bytes_billed': 'INT64',
  'script.bytes_processed': 'INT64',
  'script.creation_time': 'TIMESTAMP',
  'script.job_id': 'STRING',
  'script.num_child_jobs': 'INT64',
  'script.slot_ms': 'INT64',
};
