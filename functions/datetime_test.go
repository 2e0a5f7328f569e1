package functions

import "testing"

func TestDatetime(t *testing.T) {
	runCases(t, []fnCase{
		{fn: "now", args: []arg{I(0)}, want: "2024-03-15 10:20:30", typ: "DATETIME"},
		{fn: "year", args: []arg{S("2024-03-15 10:20:30", nil)}, want: "2024|NULL"},
		{fn: "month", args: []arg{DT("2024-03-15")}, want: "3"},
		{fn: "day", args: []arg{TS("2024-03-15 10:20:30")}, want: "15"},
		{fn: "dayofweek", args: []arg{DT("2024-03-17", "2024-03-16")}, want: "1|7"},
		{fn: "weekday", args: []arg{DT("2024-03-18")}, want: "0"},
		{fn: "dayofyear", args: []arg{DT("2024-12-31")}, want: "366"},
		{fn: "hour", args: []arg{TS("2024-03-15 10:20:30")}, want: "10"},
		{fn: "minute", args: []arg{TS("2024-03-15 10:20:30")}, want: "20"},
		{fn: "second", args: []arg{TS("2024-03-15 10:20:30")}, want: "30"},
		{fn: "quarter", args: []arg{DT("2024-11-01")}, want: "4"},
		{fn: "dayname", args: []arg{DT("2007-02-03")}, want: "Saturday"},
		{fn: "monthname", args: []arg{DT("2008-02-03")}, want: "February"},
		{fn: "date", args: []arg{S("2003-12-31 01:02:03")}, want: "2003-12-31", typ: "DATE"},
		{fn: "last_day", args: []arg{DT("2024-02-05", "2023-02-05")}, want: "2024-02-29|2023-02-28"},
		{fn: "date_format", args: []arg{TS("2009-10-04 22:23:00"), S("%W %M %Y")}, want: "Sunday October 2009"},
		{fn: "date_format", args: []arg{TS("2007-10-04 22:23:00"), S("%H:%i:%s")}, want: "22:23:00"},
		{fn: "date_format", args: []arg{TS("1900-10-04 22:23:00"), S("%D %y %a %d %m %b %j")}, want: "4th 00 Thu 04 10 Oct 277"},
		{fn: "date_format", args: []arg{TS("1997-10-04 22:23:00"), S("%H %k %I %r %T %S %w")}, want: "22 22 10 10:23:00 PM 22:23:00 00 6"},
		{fn: "date_format", args: []arg{DT("1999-01-01"), S("%X %V %x %v %%")}, want: "1998 52 1998 53 %"},
		{fn: "datediff", args: []arg{S("2007-12-31 23:59:59"), S("2007-12-30")}, want: "1"},
		{fn: "datediff", args: []arg{DT("2010-11-30"), DT("2010-12-31")}, want: "-31"},
		{fn: "date_add", args: []arg{TS("2018-05-01 00:00:00"), S("1"), S("DAY")}, want: "2018-05-02 00:00:00", typ: "DATETIME"},
		{fn: "date_add", args: []arg{S("2018-05-01"), I(1), S("DAY")}, want: "2018-05-02", typ: "VARCHAR"},
		{fn: "date_add", args: []arg{DT("2024-01-31"), I(1), S("MONTH")}, want: "2024-02-29"},
		{fn: "date_add", args: []arg{DT("2024-01-31"), I(2), S("HOUR")}, want: "2024-01-31 02:00:00"},
		{fn: "date_sub", args: []arg{S("2018-05-01"), I(1), S("YEAR")}, want: "2017-05-01"},
		{fn: "date_add", args: []arg{S("2020-12-31 23:59:59"), S("1:1"), S("MINUTE_SECOND")}, want: "2021-01-01 00:01:00"},
		{fn: "date_add", args: []arg{S("2100-12-31 23:59:59"), S("1 1:1:1"), S("DAY_SECOND")}, want: "2101-01-02 01:01:00"},
		{fn: "date_sub", args: []arg{S("2025-01-01 00:00:00"), S("1 10"), S("DAY_HOUR")}, want: "2024-12-30 14:00:00"},
		{fn: "date_add", args: []arg{S("1992-12-31 23:59:59.000002"), S("1.999999"), S("SECOND_MICROSECOND")}, want: "1993-01-01 00:00:01.000001"},
		{fn: "adddate", args: []arg{S("2024-01-01"), S("-1"), S("WEEK")}, want: "2023-12-25"},
		{fn: "date_add", args: []arg{S("2024-01-01"), S("1"), S("FORTNIGHT")}, errCode: 1210},
		{fn: "date_add", args: []arg{S("garbage"), S("1"), S("DAY")}, want: "NULL"},
		{fn: "unix_timestamp", args: []arg{S("2015-11-13 10:20:19")}, want: "1447410019"},
		{fn: "from_unixtime", args: []arg{I(1447430881)}, want: "2015-11-13 16:08:01"},
		{fn: "from_unixtime", args: []arg{I(1447430881), S("%Y %D %M %h:%i:%s %x")}, want: "2015 13th November 04:08:01 2015"},
		{fn: "str_to_date", args: []arg{S("01,5,2013", "May 1, 2013", "a09:30:17", "9", "10:20 PM"), S("%d,%m,%Y", "%M %d,%Y", "a%h:%i:%s", "%m", "%h:%i %p")}, want: "2013-05-01|2013-05-01|NULL|NULL|NULL"},
		{fn: "str_to_date", args: []arg{S("31/12/2024 23:59"), S("%d/%m/%Y %H:%i")}, want: "2024-12-31 23:59:00"},
		{fn: "timestampdiff", args: []arg{S("MONTH"), S("2003-02-01"), S("2003-05-01")}, want: "3"},
		{fn: "timestampdiff", args: []arg{S("YEAR"), S("2002-05-01"), S("2001-01-01")}, want: "-1"},
		{fn: "timestampdiff", args: []arg{S("MINUTE"), S("2003-02-01"), S("2003-05-01 12:05:55")}, want: "128885"},
		{fn: "extract", args: []arg{S("YEAR_MONTH"), S("2019-07-02 01:02:03")}, want: "201907"},
		{fn: "extract", args: []arg{S("DAY_MINUTE"), S("2019-07-02 01:02:03")}, want: "20102"},
		{fn: "to_days", args: []arg{DT("2007-10-07")}, want: "733321"},
		{fn: "from_days", args: []arg{I(733321)}, want: "2007-10-07"},
		{fn: "timestampadd", args: []arg{S("MINUTE"), I(1), S("2003-01-02")}, want: "2003-01-02 00:01:00"},
		{fn: "makedate", args: []arg{I(2011, 2011, 2011), I(31, 32, 0)}, want: "2011-01-31|2011-02-01|NULL"},
		{fn: "hour", args: []arg{arg{Time, []any{"838:10:00", "-01:02:03"}}}, want: "838|1"},
		{fn: "hour", args: []arg{S("2024-01-01 23:10:00")}, want: "23"},
		{fn: "timediff", args: []arg{TS("2008-12-31 23:59:59"), TS("2008-12-30 01:01:01.000002")}, want: "46:58:57.999998"},
		{fn: "timediff", args: []arg{arg{Time, []any{"10:00:00"}}, arg{Time, []any{"12:30:00"}}}, want: "-02:30:00"},
		{fn: "addtime", args: []arg{TS("2007-12-31 23:59:59.999999"), arg{Time, []any{"1 1:1:1.000002"}}}, want: "2008-01-02 01:01:01.000001"},
		{fn: "subtime", args: []arg{arg{Time, []any{"01:00:00.999999"}}, arg{Time, []any{"02:00:00.999998"}}}, want: "-00:59:59.999999"},
		{fn: "time_to_sec", args: []arg{S("22:23:00", "00:39:38")}, want: "80580|2378"},
		{fn: "sec_to_time", args: []arg{I(2378, -3600)}, want: "00:39:38|-01:00:00"},
		{fn: "week", args: []arg{DT("2008-02-20")}, want: "7"},
		{fn: "week", args: []arg{DT("2008-02-20", "2008-02-20", "2008-12-31", "2000-01-01", "2000-01-01"), I(0, 1, 1, 0, 2)}, want: "7|8|53|0|52"},
		{fn: "yearweek", args: []arg{DT("1987-01-01")}, want: "198652"},
		{fn: "weekofyear", args: []arg{DT("2008-02-20", "2021-01-03", "2020-12-31")}, want: "8|53|53"},
	})
}

func TestNowIsStable(t *testing.T) {
	mem := newMem(t)
	ec, _ := newEC(mem)
	for _, fn := range []string{"curdate", "now", "unix_timestamp", "curtime"} {
		b, err := builtins.ResolveScalar(fn, nil)
		if err != nil {
			t.Fatal(err)
		}
		if b.Volatility != Stable {
			t.Errorf("%s volatility %v, want STABLE", fn, b.Volatility)
		}
		res, err := b.Kernel(ec, nil, 2)
		if err != nil {
			t.Fatal(err)
		}
		got := joined(render(t, ec, res))
		res.Release()
		want := map[string]string{"curdate": "2024-03-15|2024-03-15", "now": "2024-03-15 10:20:30|2024-03-15 10:20:30",
			"unix_timestamp": "1710498030|1710498030", "curtime": "10:20:30|10:20:30"}[fn]
		if got != want {
			t.Errorf("%s() = %s, want %s", fn, got, want)
		}
	}
}
