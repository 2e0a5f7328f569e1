// usage: node lancedb_nested.js <dbdir> <2.0|default> — a table whose flat
// columns sit between a struct and a list, to check column numbering.
const path = require('path');
const oracle = process.env.LANCE_ORACLE || '/tmp/oracle';
const lancedb = require(path.join(oracle, 'node_modules/@lancedb/lancedb'));
const [dir, ver] = process.argv.slice(2);
(async () => {
  const db = await lancedb.connect(dir);
  const data = [];
  for (let i = 0; i < 10; i++) data.push({a: i, s: {x: i * 2, y: `y${i}`}, l: [i, i + 1], b: `b${i}`});
  const opts = {};
  if (ver !== 'default') opts.storageOptions = {new_table_data_storage_version: ver};
  await db.createTable('t', data, opts);
})().catch(e => { console.error(e); process.exit(1); });
