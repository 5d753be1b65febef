import { DuckDBInstance } from '@duckdb/node-api';
const db = await (await DuckDBInstance.create(':memory:')).connect();
await db.run("set TimeZone='UTC'");
for (const q of process.argv.slice(2)) {
  try { const r = await db.runAndReadAll(`select ${q} as v`); console.log(q, '=>', JSON.stringify(r.getRowObjectsJson()[0]?.v)); } catch (e) { console.log(q, 'ERR', (e as Error).message.slice(0,150)); }
}
