// Times LanceDB writing and fully scanning the same lineitem table that
// GenevaSQL's storage benchmark uses, and prints {rows, write_ms, scan_ms}.
// Usage: node bench.js <genevasql-folder> <out-folder> <reps>
const lancedb = require("@lancedb/lancedb");

async function main() {
  const [src, out, repsArg] = process.argv.slice(2);
  const reps = Number(repsArg || 3);
  // The input is read once, outside the timings, like the Go side holds it in memory.
  const data = await (await (await lancedb.connect(src)).openTable("lineitem")).query().toArrow();
  const db = await lancedb.connect(out);
  const res = { rows: data.numRows, write_ms: [], scan_ms: [] };
  for (let r = 0; r < reps; r++) {
    let t = process.hrtime.bigint();
    await db.createTable("lineitem_w", data, {
      mode: "overwrite",
      storageOptions: { new_table_data_storage_version: "2.0" },
    });
    res.write_ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    const tbl = await db.openTable("lineitem_w");
    let n = 0;
    for await (const batch of tbl.query()) n += batch.numRows;
    res.scan_ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (n !== data.numRows) throw new Error(`scanned ${n} rows, wrote ${data.numRows}`);
  }
  process.stdout.write(JSON.stringify(res));
}
main().catch((e) => { process.stdout.write(JSON.stringify({ error: String(e) })); process.exit(1); });
