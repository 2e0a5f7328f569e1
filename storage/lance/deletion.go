package lance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/genevasql/genevasql/sqlerr"
)

// deletedRows loads the fragment's deletion file (nil if it has none). The
// result is shared through a per-dataset cache and must not be modified.
func (d *Dataset) deletedRows(ctx context.Context, f *fragment) (*roaring.Bitmap, error) {
	if f.Deletion == nil {
		return nil, nil
	}
	name := f.Deletion.path(f.ID)
	if v, ok := d.delCache.Load(name); ok {
		return v.(*roaring.Bitmap), nil
	}
	b, err := d.store.ReadFile(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("fragment %d: reading deletion file: %w", f.ID, err)
	}
	var bm *roaring.Bitmap
	if f.Deletion.FileType == deletionBitmapType {
		if bm, err = readBitmapDeletions(b); err != nil {
			return nil, errf(sqlerr.ErrUnknownSystem, "corrupt deletion file %s: %v", name, err)
		}
	} else {
		bm, err = readArrowDeletions(b, int(f.PhysicalRows))
		if err != nil {
			return nil, errf(sqlerr.ErrUnknownSystem, "corrupt deletion file %s: %v", name, err)
		}
	}
	d.delCache.Store(name, bm)
	return bm, nil
}

// readBitmapDeletions reads a portable Roaring bitmap (.bin).
func readBitmapDeletions(b []byte) (bm *roaring.Bitmap, err error) {
	defer func() {
		if r := recover(); r != nil {
			bm, err = nil, fmt.Errorf("invalid Roaring bitmap: %v", r)
		}
	}()
	bm = roaring.New()
	if err := bm.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return bm, nil
}

// writeDeletionFile stores bm as a portable Roaring bitmap (.bin) and returns
// the DeletionFile entry for fragment fragID.
func (d *Dataset) writeDeletionFile(ctx context.Context, fragID uint64, bm *roaring.Bitmap) (*deletionFile, error) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	df := &deletionFile{
		FileType:    deletionBitmapType,
		ReadVersion: d.m.Version,
		ID:          binary.LittleEndian.Uint64(rnd[:]) >> 1, // Lance parses it as a u64; stay positive for others
		NumDeleted:  bm.GetCardinality(),
	}
	bm.RunOptimize()
	b, err := bm.ToBytes()
	if err != nil {
		return nil, err
	}
	if err := putFile(ctx, d.store, df.path(fragID), b); err != nil {
		return nil, err
	}
	return df, nil
}

// writeArrowDeletionFile is the .arrow variant (uncompressed Arrow IPC file,
// one UInt32 column), kept for tests that prove both kinds read back.
func (d *Dataset) writeArrowDeletionFile(ctx context.Context, fragID uint64, bm *roaring.Bitmap) (*deletionFile, error) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	df := &deletionFile{FileType: deletionArrowType, ReadVersion: d.m.Version, ID: binary.LittleEndian.Uint64(rnd[:]) >> 1, NumDeleted: bm.GetCardinality()}
	schema := arrow.NewSchema([]arrow.Field{{Name: "row_id", Type: arrow.PrimitiveTypes.Uint32}}, nil)
	bld := array.NewUint32Builder(d.mem)
	defer bld.Release()
	bld.AppendValues(bm.ToArray(), nil)
	col := bld.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	defer rec.Release()
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(schema), ipc.WithAllocator(d.mem))
	if err != nil {
		return nil, err
	}
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := putFile(ctx, d.store, df.path(fragID), buf.Bytes()); err != nil {
		return nil, err
	}
	return df, nil
}
