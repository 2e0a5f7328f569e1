// Builds a table with official LanceDB and prints every version's rows as JSON,
// so the Go tests can check that GenevaSQL reads exactly what LanceDB wrote.
// Usage: node lancedb_write.js <dbdir> <table> <format 2.0|2.1>
const lancedb = require("@lancedb/lancedb");
const { rowsJSON, batch, toTable } = require("./common.js");

async function main() {
  const [dir, name, fmt] = process.argv.slice(2);
  const db = await lancedb.connect(dir);
  const tbl = await db.createTable(name, toTable(batch(0, 100)), {
    storageOptions: { new_table_data_storage_version: fmt || "2.0" },
  });
  await tbl.add(toTable(batch(100, 50)));            // v2: second fragment
  await tbl.delete("id % 10 = 3 OR id = 120");       // v3: deletion files
  await tbl.add(toTable(batch(150, 30)));            // v4
  await tbl.optimize();                              // compaction (+cleanup is a no-op for young versions)
  await tbl.delete("id >= 170");                     // one more deletion after compaction
  const out = [];
  for (const ver of await tbl.listVersions()) {
    await tbl.checkout(ver.version);
    out.push({ version: ver.version, rows: rowsJSON(await tbl.query().toArrow()) });
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => { console.error(e); process.exit(1); });
