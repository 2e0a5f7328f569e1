package main

import "fmt"

// query is one benchmark query. SQL is run by both engines unless DuckSQL
// overrides it for DuckDB (only where the dialects disagree on syntax).
type query struct {
	Name    string
	SQL     string
	DuckSQL string
}

func (q query) duck() string {
	if q.DuckSQL != "" {
		return q.DuckSQL
	}
	return q.SQL
}

// Queries follow the TPC-H text with its validation parameters. Date
// literals are written CAST('…' AS DATE) because GenevaSQL rejects the
// standard DATE '…' literal (TiDB's parser turns it into a call of a
// function "dateliteral" that the engine does not register); the meaning is
// the same in both engines. One deviation: Q6's "l_discount BETWEEN 0.06 - 0.01 AND 0.06 + 0.01" is written
// with the bounds computed (0.05 and 0.07), because both engines type the
// literals as DECIMAL while the column is DOUBLE, and 0.06+0.01 in binary
// floating point would move the upper bound below the stored 0.07.
func benchQueries(s scale) []query {
	point := s.points*7/10 + 123
	return []query{
		{Name: "Q1", SQL: `SELECT l_returnflag, l_linestatus,
  SUM(l_quantity) AS sum_qty, SUM(l_extendedprice) AS sum_base_price,
  SUM(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
  SUM(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
  AVG(l_quantity) AS avg_qty, AVG(l_extendedprice) AS avg_price, AVG(l_discount) AS avg_disc,
  COUNT(*) AS count_order
FROM lineitem
WHERE l_shipdate <= CAST('1998-12-01' AS DATE) - INTERVAL 90 DAY
GROUP BY l_returnflag, l_linestatus
ORDER BY l_returnflag, l_linestatus`},
		{Name: "Q3", SQL: `SELECT l_orderkey, SUM(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
FROM customer, orders, lineitem
WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
  AND o_orderdate < CAST('1995-03-15' AS DATE) AND l_shipdate > CAST('1995-03-15' AS DATE)
GROUP BY l_orderkey, o_orderdate, o_shippriority
ORDER BY revenue DESC, o_orderdate, l_orderkey
LIMIT 10`},
		{Name: "Q5", SQL: `SELECT n_name, SUM(l_extendedprice * (1 - l_discount)) AS revenue
FROM customer, orders, lineitem, supplier, nation, region
WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey
  AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey
  AND r_name = 'ASIA' AND o_orderdate >= CAST('1994-01-01' AS DATE)
  AND o_orderdate < CAST('1994-01-01' AS DATE) + INTERVAL 1 YEAR
GROUP BY n_name
ORDER BY revenue DESC`},
		{Name: "Q6", SQL: `SELECT SUM(l_extendedprice * l_discount) AS revenue
FROM lineitem
WHERE l_shipdate >= CAST('1994-01-01' AS DATE) AND l_shipdate < CAST('1994-01-01' AS DATE) + INTERVAL 1 YEAR
  AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`},
		{Name: "Q10", SQL: `SELECT c_custkey, c_name, SUM(l_extendedprice * (1 - l_discount)) AS revenue,
  c_acctbal, n_name, c_address, c_phone, c_comment
FROM customer, orders, lineitem, nation
WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey
  AND o_orderdate >= CAST('1993-10-01' AS DATE) AND o_orderdate < CAST('1993-10-01' AS DATE) + INTERVAL 3 MONTH
  AND l_returnflag = 'R' AND c_nationkey = n_nationkey
GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment
ORDER BY revenue DESC, c_custkey
LIMIT 20`},
		{Name: "point", SQL: fmt.Sprintf(`SELECT id, x, tag FROM points WHERE id = %d`, point)},
		{Name: "topN", SQL: `SELECT id, x FROM points ORDER BY x DESC, id LIMIT 10`},
	}
}
