// LanceDB writes a Roaring (.bin) deletion file when deletions are dense:
// 60000 rows, keep only id >= 30000 with id % 3 != 0 (20000 rows).
// Usage: node lancedb_dense_delete.js <dbdir> <table>
const lancedb = require("@lancedb/lancedb");
const arrow = require("apache-arrow");

async function main() {
  const [dir, name] = process.argv.slice(2);
  const db = await lancedb.connect(dir);
  const ids = new BigInt64Array(60000);
  const names = [];
  for (let i = 0; i < 60000; i++) { ids[i] = BigInt(i); names.push("n" + i); }
  const rows = new arrow.Table({ id: arrow.vectorFromArray(ids), name: arrow.vectorFromArray(names, new arrow.Utf8()) });
  const tbl = await db.createTable(name, rows, { storageOptions: { new_table_data_storage_version: "2.0" } });
  await tbl.delete("id % 3 = 0 OR id < 30000");
  process.stdout.write(JSON.stringify({ count: await tbl.countRows() }));
}
main().catch((e) => { console.error(e); process.exit(1); });
