// Opens a table GenevaSQL wrote, prints its rows as LanceDB sees them, then
// changes it with LanceDB (append, delete, compaction) and prints each new
// version, so the Go test can check both directions on one dataset.
// Usage: node lancedb_read.js <dbdir> <table>
const lancedb = require("@lancedb/lancedb");
const { rowsJSON, batch, toTable } = require("./common.js");

async function main() {
  const [dir, name] = process.argv.slice(2);
  const db = await lancedb.connect(dir);
  const tbl = await db.openTable(name);
  const out = { read: { version: await tbl.version(), count: await tbl.countRows(), rows: rowsJSON(await tbl.query().toArrow()) }, after: [] };
  const snap = async (what) => {
    out.after.push({ op: what, version: await tbl.version(), rows: rowsJSON(await tbl.query().toArrow()) });
  };
  await tbl.add(toTable(batch(1000, 20)));
  await snap("append");
  await tbl.delete("id % 7 = 1");
  await snap("delete");
  const stats = await tbl.optimize();
  out.compacted = stats.compaction;
  await snap("optimize");
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => { console.error(e); process.exit(1); });
