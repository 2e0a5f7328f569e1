const arrow = require("apache-arrow");
// Turns an Arrow table into plain JSON rows with a stable encoding for every
// type the tests use, shared by the oracle scripts and mirrored by the Go tests.
function val(x) {
  if (x === null || x === undefined) return null;
  if (typeof x === "bigint") return x.toString();
  if (x instanceof Uint8Array) return Buffer.from(x).toString("hex");
  if (typeof x === "number") return Number.isNaN(x) ? "NaN" : x;
  if (typeof x === "boolean" || typeof x === "string") return x;
  if (x.toArray) return Array.from(x.toArray(), val);
  return String(x);
}
function rowsJSON(table) {
  const names = table.schema.fields.map((f) => f.name);
  const cols = names.map((n) => table.getChild(n));
  const rows = [];
  for (let i = 0; i < table.numRows; i++) {
    const r = {};
    names.forEach((n, j) => { r[n] = val(cols[j].get(i)); });
    rows.push(r);
  }
  rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  return rows;
}
// The test table: every column type the Go side checks, with nulls.
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

module.exports = { rowsJSON, val, batch, toTable };
