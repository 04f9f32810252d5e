// parquet_duckdb.js: bench/parquet's DuckDB side (npm @duckdb/node-api).
//   gen DIR ROWS      writes DIR/r1.parquet and DIR/r2.parquet: LAION-shaped
//                     (URL of about 60 bytes, TEXT, SAMPLE_ID, HEIGHT, WIDTH,
//                     LICENSE, NSFW, similarity), snappy; release 2 is
//                     release 1 less 1% of its rows plus 2% new ones
//   scan DIR REPS     times a scan of r2's URL column
//   antijoin DIR REPS times release 2 against release 1's keys, both ways
// Times are printed as seconds, one a line, measured inside the process
// (DuckDB's own start-up left out), on DuckDB's default threads.
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

const laion = (from, to) => `SELECT
    'https://farm' || (i % 9 + 1) || '.staticflickr.com/' || (i % 9000) || '/'
      || (3000000000 + i * 7) || '_' || md5(i::VARCHAR)[1:10] || '_z.jpg' AS URL,
    'a photograph of item number ' || i AS TEXT, i::BIGINT AS SAMPLE_ID,
    (i % 1000)::INTEGER AS HEIGHT, (i % 800)::INTEGER AS WIDTH,
    CASE WHEN i % 3 = 0 THEN NULL ELSE '?' END AS LICENSE,
    'UNLIKELY' AS NSFW, (i % 1000) / 1000.0 AS similarity
  FROM range(${from}, ${to}) r(i)`;

async function timed(con, sql, reps) {
  for (let k = 0; k < reps; k++) {
    const t = process.hrtime.bigint();
    const r = await con.runAndReadAll(sql);
    r.getRows();
    console.log((Number(process.hrtime.bigint() - t) / 1e9).toFixed(3));
  }
}

(async () => {
  const [cmd, dir, arg] = process.argv.slice(2);
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const n = Number(arg);
  if (cmd === 'gen') {
    await con.run(`COPY (${laion(0, n)}) TO '${dir}/r1.parquet' (FORMAT parquet, COMPRESSION snappy)`);
    // Release 2: every 100th row gone, 2% new rows after them, in order.
    await con.run(`COPY (SELECT * FROM (${laion(0, n)}) WHERE SAMPLE_ID % 100 <> 7
        UNION ALL ${laion(n, n + Math.floor(n / 50))}) TO '${dir}/r2.parquet'
        (FORMAT parquet, COMPRESSION snappy)`);
  } else if (cmd === 'scan') {
    await timed(con, `SELECT sum(length(URL)) FROM '${dir}/r2.parquet'`, n);
  } else if (cmd === 'antijoin') {
    await timed(con, `SELECT (SELECT count(*) FROM '${dir}/r2.parquet' b ANTI JOIN '${dir}/r1.parquet' a
        USING (SAMPLE_ID)), (SELECT count(*) FROM '${dir}/r1.parquet' a ANTI JOIN '${dir}/r2.parquet' b
        USING (SAMPLE_ID))`, n);
  } else {
    throw new Error('usage: parquet_duckdb.js gen|scan|antijoin DIR N');
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
