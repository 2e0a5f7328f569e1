package lance

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// The manifest, fragments and transactions are protobuf messages that we
// encode by hand with protowire. Every field we do not interpret is kept as
// its raw wire bytes and re-emitted, so that a commit made by GenevaSQL never
// drops content written by a newer Lance (indices, config, table metadata...).

var errTruncated = errors.New("truncated protobuf")

// walkMsg calls fn for each field of a protobuf message. v holds varint and
// fixed values; buf holds length-delimited contents; raw is the whole field
// (tag and value) for verbatim re-emission.
func walkMsg(b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, buf, raw []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("bad protobuf tag: %w", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return fmt.Errorf("bad protobuf field %d: %w", num, protowire.ParseError(m))
		}
		raw := b[:n+m]
		val := b[n : n+m]
		var v uint64
		var buf []byte
		switch typ {
		case protowire.VarintType:
			v, _ = protowire.ConsumeVarint(val)
		case protowire.Fixed64Type:
			v, _ = protowire.ConsumeFixed64(val)
		case protowire.Fixed32Type:
			x, _ := protowire.ConsumeFixed32(val)
			v = uint64(x)
		case protowire.BytesType:
			buf, _ = protowire.ConsumeBytes(val)
		}
		if err := fn(num, typ, v, buf, raw); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

// wantType reports a clear error when a known field has an unexpected wire type.
func wantType(msg string, num protowire.Number, got, want protowire.Type) error {
	if got != want {
		return fmt.Errorf("%s field %d: wire type %d, want %d", msg, num, got, want)
	}
	return nil
}

// int32s decodes a repeated int32 field in either packed or unpacked form and
// appends to dst.
func int32s(dst []int32, typ protowire.Type, v uint64, buf []byte) ([]int32, error) {
	switch typ {
	case protowire.VarintType:
		return append(dst, int32(v)), nil
	case protowire.BytesType:
		for len(buf) > 0 {
			x, n := protowire.ConsumeVarint(buf)
			if n < 0 {
				return nil, errTruncated
			}
			dst = append(dst, int32(x))
			buf = buf[n:]
		}
		return dst, nil
	}
	return nil, fmt.Errorf("repeated int32: wire type %d", typ)
}

// uint64s is int32s for repeated uint64/uint32 fields.
func uint64s(dst []uint64, typ protowire.Type, v uint64, buf []byte) ([]uint64, error) {
	switch typ {
	case protowire.VarintType:
		return append(dst, v), nil
	case protowire.BytesType:
		for len(buf) > 0 {
			x, n := protowire.ConsumeVarint(buf)
			if n < 0 {
				return nil, errTruncated
			}
			dst = append(dst, x)
			buf = buf[n:]
		}
		return dst, nil
	}
	return nil, fmt.Errorf("repeated uint64: wire type %d", typ)
}

func putVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// putVarintAlways emits the field even when zero (proto3 optional fields).
func putVarintAlways(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func putBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func putString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func putPackedInt32(b []byte, num protowire.Number, vs []int32) []byte {
	if len(vs) == 0 {
		return b
	}
	var body []byte
	for _, x := range vs {
		body = protowire.AppendVarint(body, uint64(int64(x)))
	}
	return putBytes(b, num, body)
}

func putPackedUint64(b []byte, num protowire.Number, vs []uint64) []byte {
	if len(vs) == 0 {
		return b
	}
	var body []byte
	for _, x := range vs {
		body = protowire.AppendVarint(body, x)
	}
	return putBytes(b, num, body)
}

// putStringMap emits a map<string, string|bytes> in sorted key order so that
// encoding is deterministic.
func putStringMap(b []byte, num protowire.Number, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var e []byte
		e = protowire.AppendTag(e, 1, protowire.BytesType)
		e = protowire.AppendString(e, k)
		e = protowire.AppendTag(e, 2, protowire.BytesType)
		e = protowire.AppendString(e, m[k])
		b = putBytes(b, num, e)
	}
	return b
}

// mapEntry decodes one map<string, string|bytes> entry.
func mapEntry(buf []byte) (k, v string, err error) {
	err = walkMsg(buf, func(num protowire.Number, typ protowire.Type, _ uint64, bb, _ []byte) error {
		if typ != protowire.BytesType {
			return fmt.Errorf("map entry field %d: wire type %d", num, typ)
		}
		switch num {
		case 1:
			k = string(bb)
		case 2:
			v = string(bb)
		}
		return nil
	})
	return
}

// checkedInt converts a protobuf u64 that must fit an int64 count.
func checkedInt(v uint64, what string) (int64, error) {
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("%s %d out of range", what, v)
	}
	return int64(v), nil
}
