// laion_shards.js: a LAION-shaped dataset of four Parquet shards, written by
// DuckDB (npm @duckdb/node-api), as laion/laion2B-en publishes its parts:
// the LAION columns, snappy, several row groups, image URLs on
// live.staticflickr.com that carry the photo id and nothing of the owner.
// Usage: NODE_PATH=build/node/node_modules node laion_shards.js OUTDIR ROWS
// Writes OUTDIR/part-0000K.parquet (K = 0..3, ROWS rows each; row i over
// all shards is photo 5000000000 + i, SAMPLE_ID 1000000 + i) and
// OUTDIR/part-00002-v2.parquet: part 2 without its rows i % 50 == 0, and
// with 100 new rows, i = 4 * ROWS .. 4 * ROWS + 99.
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

const [dir, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg);

function select(where) {
  return `SELECT 'https://live.staticflickr.com/65535/' || (5000000000 + i) || '_abcdef1234_b.jpg' AS URL,
      'a photo of thing ' || i AS TEXT, (1000000 + i)::BIGINT AS SAMPLE_ID,
      (i % 1000)::INTEGER AS HEIGHT, (i % 800)::INTEGER AS WIDTH,
      CASE WHEN i % 3 = 0 THEN NULL ELSE 'creativecommons.org/licenses/by/2.0/' END AS LICENSE,
      'UNLIKELY' AS NSFW, (i % 100) / 100.0 AS similarity
    FROM range(${5 * rows}) r(i) WHERE ${where}`;
}

async function main() {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const copy = (sql, name) =>
    c.run(`COPY (${sql}) TO '${dir}/${name}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${Math.ceil(rows / 3)})`);
  for (let k = 0; k < 4; k++)
    await copy(select(`i >= ${k * rows} AND i < ${(k + 1) * rows} ORDER BY i`), `part-0000${k}.parquet`);
  await copy(select(`(i >= ${2 * rows} AND i < ${3 * rows} AND i % 50 != 0) OR ` +
    `(i >= ${4 * rows} AND i < ${4 * rows + 100}) ORDER BY i`), 'part-00002-v2.parquet');
}
main().catch((e) => { console.error(e); process.exit(1); });
