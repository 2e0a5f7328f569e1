// usage: node gen.js <dbdir> <version 2.0|2.1|default> <nrows>
const path = require('path');
const oracle = process.env.LANCE_ORACLE || '/tmp/oracle';
const lancedb = require(path.join(oracle, 'node_modules/@lancedb/lancedb'));
const arrow = require(path.join(oracle, 'node_modules/apache-arrow'));
const [dir, ver, nrowsS] = process.argv.slice(2);
const n = parseInt(nrowsS || '1000');
function col(type, f) {
  const vals = [];
  for (let i = 0; i < n; i++) vals.push(f(i));
  return arrow.vectorFromArray(vals, type);
}
const big = (x) => BigInt(x);
const cols = {
  i8: col(new arrow.Int8, i => i % 7 == 3 ? null : (i % 200) - 100),
  i16: col(new arrow.Int16, i => i % 9 == 4 ? null : i * 3 - 1000),
  i32: col(new arrow.Int32, i => i % 5 == 0 ? null : i * 1000 - 7),
  i64: col(new arrow.Int64, i => i % 11 == 0 ? null : big(i) * 1000000000n - 5n),
  u8: col(new arrow.Uint8, i => i % 6 == 1 ? null : i % 256),
  u16: col(new arrow.Uint16, i => i % 6 == 2 ? null : (i * 7) % 65536),
  u32: col(new arrow.Uint32, i => i % 6 == 3 ? null : (i * 100003) % 4294967296),
  u64: col(new arrow.Uint64, i => i % 6 == 4 ? null : big(i) * 1000000007n),
  f32: col(new arrow.Float32, i => i % 13 == 0 ? null : i * 0.5),
  f64: col(new arrow.Float64, i => i % 14 == 0 ? null : i * 1.25),
  s: col(new arrow.Utf8, i => i % 4 == 1 ? null : `str-${i}`),
  ls: col(new arrow.LargeUtf8, i => i % 4 == 2 ? null : `large-${i * 7}`),
  b: col(new arrow.Binary, i => i % 4 == 3 ? null : Uint8Array.from([i % 256, (i >> 8) % 256, 7])),
  lb: col(new arrow.LargeBinary, i => i % 8 == 0 ? null : Uint8Array.from({length: i % 5}, (_, k) => k + i % 100)),
  bo: col(new arrow.Bool, i => i % 10 == 9 ? null : i % 3 == 0),
  dt: col(new arrow.DateDay, i => i % 12 == 5 ? null : new Date(Date.UTC(2020, 0, 1) + i * 86400000)),
  ts: col(new arrow.TimestampMicrosecond('UTC'), i => i % 15 == 7 ? null : i * 1003),
  tsn: col(new arrow.TimestampMicrosecond(), i => i % 16 == 7 ? null : i * 997),
  v: col(new arrow.FixedSizeList(4, new arrow.Field('item', new arrow.Float32, true)), i => i % 17 == 0 ? null : [i, i + 0.25, i + 0.5, i + 0.75]),
  cat: col(new arrow.Utf8, i => i % 19 == 0 ? null : ['red', 'green', 'blue'][i % 3]),
  allnull: col(new arrow.Int32, i => null),
  // Values of 256 bytes or more make LanceDB 2.1 use FullZip pages.
  emb: col(new arrow.FixedSizeList(128, new arrow.Field('item', new arrow.Float32, true)), i => i % 23 == 5 ? null : Array.from({length: 128}, (_, k) => i * 1000 + k)),
  // Long runs (RLE in 2.1) and few distinct numbers (dictionary in 2.1).
  run: col(new arrow.Int32, i => i % 31 == 30 ? null : Math.floor(i / 100)),
  few: col(new arrow.Int64, i => big(i % 3) * 1000000007n),
  // General compression requested through field metadata (see meta below).
  zs: col(new arrow.Int64, i => i % 13 == 2 ? null : big(i) * 7n),
  lz: col(new arrow.Utf8, i => i % 17 == 2 ? null : `lz-${i}-` + 'q'.repeat(i % 20)),
  long: col(new arrow.Utf8, i => i % 29 == 3 ? null : `L${i}-` + 'y'.repeat(280 + i % 40)),
};
// decimal128(10,2): value i*101 - 5000 (unscaled), null when i%21==0
{
  const words = new Uint32Array(n * 4);
  const valid = new Uint8Array(Math.ceil(n / 8));
  for (let i = 0; i < n; i++) {
    if (i % 21 == 0) continue;
    valid[i >> 3] |= 1 << (i & 7);
    let v = big(i * 101 - 5000);
    const m = (1n << 128n) - 1n;
    v = v & m;
    for (let w = 0; w < 4; w++) { words[i * 4 + w] = Number((v >> big(32 * w)) & 0xffffffffn); }
  }
  const type = new arrow.Decimal(2, 10, 128);
  const data = arrow.makeData({type, length: n, nullCount: -1, data: words, nullBitmap: valid});
  cols.dec = arrow.makeVector(data);
}
const nonnull = [];
for (let i = 0; i < n; i++) nonnull.push(big(i));
const meta = {
  zs: {'lance-encoding:compression': 'zstd'},
  lz: {'lance-encoding:compression': 'lz4'},
};
const fields = Object.entries(cols).map(([k, v]) => new arrow.Field(k, v.type, true, new Map(Object.entries(meta[k] || {}))));
fields.push(new arrow.Field('nonull', new arrow.Int64, false));
const schema = new arrow.Schema(fields);
const vecs = Object.fromEntries(Object.entries(cols));
vecs.nonull = arrow.vectorFromArray(nonnull, new arrow.Int64);
const table = new arrow.Table(schema, vecs);
(async () => {
  const db = await lancedb.connect(dir);
  const opts = {};
  if (ver !== 'default') opts.storageOptions = {new_table_data_storage_version: ver};
  await db.createTable('t', table, opts);
})().catch(e => { console.error(e); process.exit(1); });
