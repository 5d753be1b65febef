import type { DuckDBBlobVector, DuckDBConnection, DuckDBStructVector, DuckDBType, DuckDBVarCharVector } from '@duckdb/node-api';
import { duckdbApi } from '../warehouse/duckdb-api.ts';
import { ipKey } from './ip-key.ts';
import { isBigQueryJson } from './json-valid.ts';
import { LOCAL_FUNCTIONS } from './names.ts';
import { utf8Lossy } from './utf8-lossy.ts';
import { parseUserAgent, UA } from './user-agent.ts';

/**
 * The JavaScript scalar functions the local (DuckDB) run of the Dataform graph needs, each the
 * local twin of a BigQuery expression the dialect layer (includes/dialect.js) emits there:
 *
 * | DuckDB                            | BigQuery                                   |
 * |-----------------------------------|--------------------------------------------|
 * | logflow_parse_user_agent(VARCHAR) | `project.logflow.parse_user_agent`(STRING) |
 * | logflow_ip_key(VARCHAR)           | TO_HEX(NET.SAFE_IP_FROM_STRING(ip))        |
 * | logflow_utf8_lossy(BLOB)          | SAFE_CONVERT_BYTES_TO_STRING(b)            |
 *
 * They run on the JavaScript thread (~300k rows/s): call them on DISTINCT values and join back.
 */

const { BLOB, BOOLEAN, DuckDBScalarFunction, STRUCT, VARCHAR } = duckdbApi;

const registered = new WeakSet<DuckDBConnection>();

/** The STRUCT logflow_parse_user_agent returns, in includes/ua.js field order. */
export const UA_STRUCT_TYPE = STRUCT(Object.fromEntries(UA.UA_FIELDS.map((field) => [field, VARCHAR])) as Record<string, DuckDBType>);

/** Registers the functions on `connection`; calling it again for the same connection does nothing. */
export async function registerLocalFunctions(connection: DuckDBConnection): Promise<void> {
  if (registered.has(connection)) return;
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: LOCAL_FUNCTIONS.parseUserAgent,
      returnType: UA_STRUCT_TYPE,
      parameterTypes: [VARCHAR],
      mainFunction(_info, input, output) {
        const uas = input.getColumnVector(0) as DuckDBVarCharVector;
        const out = output as DuckDBStructVector;
        for (let row = 0; row < input.rowCount; row++) {
          const parsed = parseUserAgent(uas.getItem(row));
          if (parsed === null) {
            out.setItem(row, null);
            continue;
          }
          UA.UA_FIELDS.forEach((field, index) => {
            out.setItemValue(row, index, parsed[field]);
          });
        }
        out.flush();
      },
    }),
  );
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: LOCAL_FUNCTIONS.ipKey,
      returnType: VARCHAR,
      parameterTypes: [VARCHAR],
      mainFunction(_info, input, output) {
        const ips = input.getColumnVector(0) as DuckDBVarCharVector;
        const out = output as DuckDBVarCharVector;
        for (let row = 0; row < input.rowCount; row++) out.setItem(row, ipKey(ips.getItem(row)));
        out.flush();
      },
    }),
  );
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: LOCAL_FUNCTIONS.utf8Lossy,
      returnType: VARCHAR,
      parameterTypes: [BLOB],
      mainFunction(_info, input, output) {
        const blobs = input.getColumnVector(0) as DuckDBBlobVector;
        const out = output as DuckDBVarCharVector;
        for (let row = 0; row < input.rowCount; row++) out.setItem(row, utf8Lossy(blobs.getItemBytes(row)));
        out.flush();
      },
    }),
  );
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: LOCAL_FUNCTIONS.jsonValid,
      returnType: BOOLEAN,
      parameterTypes: [VARCHAR],
      mainFunction(_info, input, output) {
        const texts = input.getColumnVector(0) as DuckDBVarCharVector;
        for (let row = 0; row < input.rowCount; row++) output.setItem(row, isBigQueryJson(texts.getItem(row)));
        output.flush();
      },
    }),
  );
  registered.add(connection);
}
