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
module.exports = { rowsJSON, val };
