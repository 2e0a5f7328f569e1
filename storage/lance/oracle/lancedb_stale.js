// Opens a table, says "ready", waits for a line on stdin (meanwhile GenevaSQL
// commits), then appends and deletes from the stale handle: Lance must read
// GenevaSQL's transaction files to rebase. Prints the final state as JSON.
// Usage: node lancedb_stale.js <dbdir> <table> <delete predicate>
const lancedb = require("@lancedb/lancedb");
const readline = require("readline");
const { rowsJSON } = require("./common.js");

async function main() {
  const [dir, name, pred] = process.argv.slice(2);
  const db = await lancedb.connect(dir);
  const tbl = await db.openTable(name);
  const start = await tbl.version();
  process.stdout.write("ready\n");
  const rl = readline.createInterface({ input: process.stdin });
  await new Promise((resolve) => rl.once("line", resolve));
  rl.close();
  // Plain rows: LanceDB converts them with the table's own schema.
  const t = [{ id: 9001, name: "x" }, { id: 9002, name: null }];
  const errors = [];
  try { await tbl.add(t); } catch (e) { errors.push("add: " + e.message); }
  try { await tbl.delete(pred); } catch (e) { errors.push("delete: " + e.message); }
  await tbl.checkoutLatest();
  const out = { start, version: await tbl.version(), count: await tbl.countRows(), errors, rows: rowsJSON(await tbl.query().toArrow()) };
  process.stdout.write(JSON.stringify(out) + "\n");
}
main().catch((e) => { console.error(e); process.exit(1); });
