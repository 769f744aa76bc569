// Loads the given CSV(.gz) files into a new DuckDB database with read_csv:
// the comparison point of bench/ingest_bench.sh.
//   node import.mjs DB FILE...
import { DuckDBInstance } from '@duckdb/node-api';
import { basename } from 'node:path';

const [db, ...files] = process.argv.slice(2);
const instance = await DuckDBInstance.create(db);
const conn = await instance.connect();
let rows = 0;
for (const f of files) {
  const table = basename(f).replace(/\.csv(\.gz)?$/, '');
  await conn.run(`CREATE TABLE "${table}" AS SELECT * FROM read_csv('${f}')`);
  const r = await conn.runAndReadAll(`SELECT count(*) FROM "${table}"`);
  rows += Number(r.getRows()[0][0]);
}
console.log(rows);
