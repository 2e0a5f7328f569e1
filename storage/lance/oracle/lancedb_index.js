// Index interoperability: "create" builds a scalar index on id with LanceDB;
// "check" reports what LanceDB sees after GenevaSQL committed more versions:
// the index must still be listed and valid, new rows unindexed, and
// filtered queries must return the right rows.
// Usage: node lancedb_index.js create|check <dbdir> <table> [ids to look up...]
const lancedb = require("@lancedb/lancedb");

async function main() {
  const [mode, dir, name, ...ids] = process.argv.slice(2);
  const db = await lancedb.connect(dir);
  const tbl = await db.openTable(name);
  if (mode === "create") {
    await tbl.createIndex("id", { config: lancedb.Index.btree() });
  }
  const out = { version: await tbl.version(), count: await tbl.countRows(), indices: [], lookups: {} };
  for (const idx of await tbl.listIndices()) {
    const st = await tbl.indexStats(idx.name);
    out.indices.push({ name: idx.name, columns: idx.columns, indexed: st.numIndexedRows, unindexed: st.numUnindexedRows });
  }
  for (const id of ids) {
    const rows = await tbl.query().where(`id = ${id}`).select(["id", "name"]).toArray();
    out.lookups[id] = rows.map((r) => (r.name === null ? null : r.name));
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => { console.error(e); process.exit(1); });
