// Prints the latest version of a table as LanceDB reads it.
// Usage: node lancedb_dump.js <dbdir> <table>
const lancedb = require("@lancedb/lancedb");
const { rowsJSON } = require("./common.js");

async function main() {
  const [dir, name] = process.argv.slice(2);
  const db = await lancedb.connect(dir);
  const tbl = await db.openTable(name);
  const out = { version: await tbl.version(), count: await tbl.countRows(), rows: rowsJSON(await tbl.query().toArrow()) };
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => { console.error(e); process.exit(1); });
