// yfcc_duckdb.js: bench/run's DuckDB peer (npm @duckdb/node-api), the
// "put it in DuckDB" approach to a YFCC100M-format release (23 TAB-separated
// fields, no header, no quoting), on DuckDB's default threads.
//   load DB FILE      CREATE TABLE r1 AS the photo id and owner NSID
//                     columns of FILE (read_csv), in the database file DB
//   diff DB FILE N    the same for release 2 (table r2) in DB, then EXCEPT
//                     both ways and a join with N watched NSIDs (the N
//                     owners with the most photos in r1, as a watch list
//                     is made of accounts that matter); prints
//                     "ADDED REMOVED WATCHED_ROWS"
// Run whole, under /usr/bin/time, as scrapewatch is: node's and DuckDB's
// start-up count.
'use strict';
const { DuckDBInstance } = require('@duckdb/node-api');

const names = Array.from({ length: 23 }, (_, i) => `'c${i}'`).join(', ');
const read = (file) => `SELECT c0::BIGINT AS photo, c1 AS nsid FROM read_csv('${file}',
    delim = '\t', header = false, quote = '', escape = '', all_varchar = true,
    names = [${names}])`;

(async () => {
  const [cmd, db, file, n] = process.argv.slice(2);
  const con = await (await DuckDBInstance.create(db)).connect();
  if (cmd === 'load') {
    await con.run(`CREATE TABLE r1 AS ${read(file)}`);
  } else if (cmd === 'diff') {
    await con.run(`CREATE TABLE r2 AS ${read(file)}`);
    const r = await con.runAndReadAll(`WITH watched AS (SELECT nsid FROM r1 GROUP BY nsid
          ORDER BY count(*) DESC, nsid LIMIT ${Number(n)})
        SELECT (SELECT count(*) FROM (SELECT photo FROM r2 EXCEPT SELECT photo FROM r1)),
          (SELECT count(*) FROM (SELECT photo FROM r1 EXCEPT SELECT photo FROM r2)),
          (SELECT count(*) FROM r2 JOIN watched USING (nsid))`);
    console.log(r.getRows()[0].map(String).join(' '));
  } else {
    throw new Error('usage: yfcc_duckdb.js load|diff DB FILE [N]');
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
