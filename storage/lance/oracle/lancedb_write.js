// Builds a table with official LanceDB and prints every version's rows as JSON,
// so the Go tests can check that GenevaSQL reads exactly what LanceDB wrote.
// Usage: node lancedb_write.js <dbdir> <table> <format 2.0|2.1>
const lancedb = require("@lancedb/lancedb");
const arrow = require("apache-arrow");
const { rowsJSON } = require("./common.js");

function batch(start, n) {
  const id = [], f = [], s = [], b = [], v = [], ts = [], bin = [], i32 = [];
  for (let i = start; i < start + n; i++) {
    id.push(BigInt(i));
    f.push(i % 7 === 0 ? null : i * 0.5);
    s.push(i % 5 === 0 ? null : "s" + i);
    b.push(i % 3 === 0);
    v.push([i, i + 1, i + 2, i + 3]); // arrow-js cannot build null fixed-size-list slots
    ts.push(1700000000000 + i); // milliseconds: arrow-js scales to micros
    bin.push(i % 4 === 0 ? null : Buffer.from([i & 255, 1, 2]));
    i32.push(i % 9 === 0 ? null : -i);
  }
  const schema = new arrow.Schema([
    new arrow.Field("id", new arrow.Int64(), false),
    new arrow.Field("f", new arrow.Float64(), true),
    new arrow.Field("s", new arrow.Utf8(), true),
    new arrow.Field("b", new arrow.Bool(), true),
    new arrow.Field("v", new arrow.FixedSizeList(4, new arrow.Field("item", new arrow.Float32(), true)), true),
    new arrow.Field("ts", new arrow.TimestampMicrosecond("UTC"), true),
    new arrow.Field("bin", new arrow.Binary(), true),
    new arrow.Field("i32", new arrow.Int32(), true),
  ]);
  return { schema, cols: { id, f, s, b, v, ts, bin, i32 } };
}

function toTable(x) {
  const { schema, cols } = x;
  const vecs = schema.fields.map((fld) => arrow.vectorFromArray(cols[fld.name], fld.type));
  const data = vecs.map((v) => v.data[0]);
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: data[0].length, nullCount: 0, children: data });
  return new arrow.Table(schema, new arrow.RecordBatch(schema, struct));
}

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
