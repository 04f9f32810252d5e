// parquet_fixtures.js: Parquet files written by DuckDB (npm @duckdb/node-api,
// which carries its own library), and for each what DuckDB itself reads
// from it, as the CSV columns display_name,key,image_url,license,line that
// `scrapewatch diff --format csv` prints for the test's column maps:
// a reference from another implementation.
// Usage: NODE_PATH=build/node/node_modules node parquet_fixtures.js OUTDIR
// Writes OUTDIR/NAME.parquet, OUTDIR/NAME.want (sorted) and OUTDIR/NAME.enc
// (per column: encodings, row groups) for every NAME printed on stdout.
'use strict';
const fs = require('fs');
const { DuckDBInstance } = require('@duckdb/node-api');

// Each fixture: its table, the COPY options, and the SELECT of what the
// test's column map reads (display_name, key, url, license, then the row).
const generic = `SELECT i::BIGINT AS SAMPLE_ID,
    'https://example.org/img/' || (i * 7919 % 100003) || '-' || i || '.jpg' AS URL,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 'caption ' || (i % 977) END AS TEXT,
    CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 37 - 500000)::INTEGER END AS W
  FROM range(30000) r(i)`;
const genericRead = 'TEXT, SAMPLE_ID, URL, W';
const laion = `SELECT 'https://farm' || (i % 9 + 1) || '.staticflickr.com/' || (i % 5000) || '/'
      || (5000000000 + i * 13) || '_' || md5(i::VARCHAR)[1:10] || '.jpg' AS URL,
    'a photo of thing ' || i AS TEXT, (1000000 + i)::BIGINT AS SAMPLE_ID,
    (i % 1000)::INTEGER AS HEIGHT, (i % 800)::INTEGER AS WIDTH,
    CASE WHEN i % 3 = 0 THEN NULL WHEN i % 3 = 1 THEN '?' ELSE 'creativecommons.org/licenses/by/2.0/' END AS LICENSE,
    'UNLIKELY' AS NSFW, (i % 100) / 100.0 AS similarity
  FROM range(50000) r(i)`;
const relaion = `SELECT 'https://live.staticflickr.com/' || (i % 4000) || '/' || (4000000000 + i) || '_abc'
      || (i % 10) || '_b.jpg' AS url,
    CASE WHEN i % 5 = 0 THEN NULL ELSE 'caption of ' || i END AS caption,
    (i % 97)::BIGINT AS punsafe
  FROM range(40000) r(i)`;

const fixtures = [];
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd'])
  for (const v of ['V1', 'V2'])
    fixtures.push({ name: `${v.toLowerCase()}-${codec}`, table: generic, read: genericRead,
      copy: `COMPRESSION ${codec}, PARQUET_VERSION ${v}, ROW_GROUP_SIZE 10000` });
fixtures.push({ name: 'laion', table: laion, read: "NULL, SAMPLE_ID, URL, LICENSE",
  copy: 'COMPRESSION snappy, ROW_GROUP_SIZE 20000' });
// A group: its fields by dotted path; a null group makes its fields null.
fixtures.push({ name: 'nested',
  table: `SELECT {'url': 'https://example.org/n/' || i || '.jpg', 'size': CASE WHEN i % 4 = 0 THEN NULL
      ELSE {'w': CASE WHEN i % 3 = 0 THEN NULL ELSE i END} END} AS img FROM range(5000) r(i)`,
  read: "NULL, img.url, img.url, img.size.w", copy: 'COMPRESSION snappy, ROW_GROUP_SIZE 2000' });
fixtures.push({ name: 'relaion', table: relaion, read: 'caption, url, url, NULL',
  copy: 'COMPRESSION zstd, PARQUET_VERSION V2, ROW_GROUP_SIZE 15000' });

const text = (v) => (v === null ? '' : String(v));

(async () => {
  const out = process.argv[2];
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  for (const f of fixtures) {
    const file = `${out}/${f.name}.parquet`;
    await con.run(`COPY (${f.table}) TO '${file}' (FORMAT parquet, ${f.copy})`);
    const r = await con.runAndReadAll(
      `SELECT ${f.read}, file_row_number + 1 FROM read_parquet('${file}', file_row_number = true)`);
    const lines = r.getRows().map((row) => row.map(text).join(','));
    lines.sort();
    fs.writeFileSync(`${out}/${f.name}.want`, lines.join('\n') + '\n');
    // How DuckDB wrote it: per column, its encodings and row groups.
    const m = await con.runAndReadAll(`SELECT path_in_schema, string_agg(DISTINCT encodings, ' '),
        count(*) FROM parquet_metadata('${file}') GROUP BY 1 ORDER BY 1`);
    fs.writeFileSync(`${out}/${f.name}.enc`, m.getRows().map((row) => row.map(text).join(' ')).join('\n') + '\n');
    console.log(f.name);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
