package lance

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Transaction operation field numbers (lance.table.Transaction oneof).
const (
	opAppend           = 100
	opDelete           = 101
	opOverwrite        = 102
	opCreateIndex      = 103
	opRewrite          = 104
	opMerge            = 105
	opRestore          = 106
	opReserveFragments = 107
	opUpdate           = 108
	opProject          = 109
	opUpdateConfig     = 110
	opDataReplacement  = 111
	opUpdateMemWal     = 112
	opClone            = 113
	opUpdateBases      = 114
	opDataOverlay      = 115
	opAppendFRI        = 116
)

var opNames = map[int]string{
	opAppend: "Append", opDelete: "Delete", opOverwrite: "Overwrite", opCreateIndex: "CreateIndex",
	opRewrite: "Rewrite", opMerge: "Merge", opRestore: "Restore", opReserveFragments: "ReserveFragments",
	opUpdate: "Update", opProject: "Project", opUpdateConfig: "UpdateConfig",
	opDataReplacement: "DataReplacement", opUpdateMemWal: "UpdateMemWalState", opClone: "Clone",
	opUpdateBases: "UpdateBases", opDataOverlay: "DataOverlay", opAppendFRI: "AppendFragmentReuseTransitions",
}

func opName(op int) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	if op == 0 {
		return "Unknown"
	}
	return fmt.Sprintf("Operation%d", op)
}

// txnInfo is what a committer needs to know about a transaction another
// writer committed: its operation and the existing fragments it touched.
type txnInfo struct {
	ReadVersion uint64
	UUID        string
	Op          int
	Touched     map[uint64]bool // existing fragment ids changed or removed
	body        []byte          // the operation message
}

func decodeTxn(b []byte) (*txnInfo, error) {
	t := &txnInfo{Touched: map[uint64]bool{}}
	err := walkMsg(b, func(num protowire.Number, typ protowire.Type, v uint64, buf, _ []byte) error {
		switch {
		case num == 1:
			t.ReadVersion = v
		case num == 2:
			t.UUID = string(buf)
		case num >= 100 && num < 200 && typ == protowire.BytesType:
			t.Op = int(num)
			t.body = buf
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	touch := func(id uint64) { t.Touched[id] = true }
	fragIDs := func(buf []byte) error {
		f, err := decodeFragment(buf)
		if err != nil {
			return err
		}
		touch(f.ID)
		return nil
	}
	switch t.Op {
	case opDelete:
		err = walkMsg(t.body, func(num protowire.Number, typ protowire.Type, v uint64, buf, _ []byte) error {
			switch num {
			case 1:
				return fragIDs(buf)
			case 2:
				ids, err := uint64s(nil, typ, v, buf)
				for _, id := range ids {
					touch(id)
				}
				return err
			}
			return nil
		})
	case opUpdate:
		err = walkMsg(t.body, func(num protowire.Number, typ protowire.Type, v uint64, buf, _ []byte) error {
			switch num {
			case 1:
				ids, err := uint64s(nil, typ, v, buf)
				for _, id := range ids {
					touch(id)
				}
				return err
			case 2:
				return fragIDs(buf)
			}
			return nil
		})
	case opRewrite:
		err = walkMsg(t.body, func(num protowire.Number, _ protowire.Type, _ uint64, buf, _ []byte) error {
			switch num {
			case 1:
				return fragIDs(buf)
			case 3:
				return walkMsg(buf, func(n protowire.Number, _ protowire.Type, _ uint64, g, _ []byte) error {
					if n == 1 {
						return fragIDs(g)
					}
					return nil
				})
			}
			return nil
		})
	case opDataReplacement:
		err = walkMsg(t.body, func(num protowire.Number, _ protowire.Type, _ uint64, buf, _ []byte) error {
			if num != 1 {
				return nil
			}
			return walkMsg(buf, func(n protowire.Number, _ protowire.Type, v uint64, _, _ []byte) error {
				if n == 1 {
					touch(v)
				}
				return nil
			})
		})
	}
	if err != nil {
		return nil, fmt.Errorf("transaction %s: %w", opName(t.Op), err)
	}
	return t, nil
}

// encodeTxn builds a Transaction message around one operation body.
func encodeTxn(readVersion uint64, uuid string, op int, body []byte) []byte {
	var b []byte
	b = putVarint(b, 1, readVersion)
	b = putString(b, 2, uuid)
	return putBytes(b, protowire.Number(op), body)
}

func encodeFragments(b []byte, num protowire.Number, frags []*fragment) []byte {
	for _, f := range frags {
		b = putBytes(b, num, f.encode())
	}
	return b
}
