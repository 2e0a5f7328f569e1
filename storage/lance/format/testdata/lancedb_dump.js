// usage: node lancedb_dump.js <dbdir> — prints every row of table "t" as JSON,
// ordered by the "nonull" column, so two tables can be compared textually.
const path = require('path');
const oracle = process.env.LANCE_ORACLE || '/tmp/oracle';
const lancedb = require(path.join(oracle, 'node_modules/@lancedb/lancedb'));
(async () => {
  const db = await lancedb.connect(process.argv[2]);
  const t = await db.openTable('t');
  const tbl = await t.query().toArrow();
  const rows = tbl.toArray().map(r => r.toJSON());
  rows.sort((a, b) => (a.nonull < b.nonull ? -1 : a.nonull > b.nonull ? 1 : 0));
  const conv = (k, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Array.from(v);
    if (v && typeof v === 'object' && typeof v.toArray === 'function') return Array.from(v.toArray());
    return v;
  };
  console.log(JSON.stringify({count: await t.countRows(), rows}, conv));
})().catch(e => { console.error(e); process.exit(1); });
