package lance

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
)

// FuzzManifest feeds corrupt and truncated manifest files to the reader: it
// must return an error or a manifest, never panic or hang; and whatever it
// accepts must re-encode and decode again.
func FuzzManifest(f *testing.F) {
	f.Add(encodeManifestFile(sampleManifest()))
	files, _ := filepath.Glob(filepath.Join("testdata", "lancedb-0.31-v2.0", "t.lance", "_versions", "*.manifest"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeManifestFile(b)
		if err != nil {
			return
		}
		if _, err := decodeManifestFile(encodeManifestFile(m)); err != nil {
			t.Fatalf("accepted manifest does not round-trip: %v", err)
		}
		for _, fr := range m.Fragments {
			_ = publicFragment(fr)
		}
	})
}

// FuzzTxn does the same for transaction files.
func FuzzTxn(f *testing.F) {
	del := &deletion{updated: map[uint64]*fragment{4: {ID: 4}}, removed: []uint64{9}, touched: map[uint64]bool{4: true, 9: true}}
	f.Add(encodeTxn(3, "u", opDelete, (&deleteOp{del: del}).body()))
	files, _ := filepath.Glob(filepath.Join("testdata", "lancedb-0.31-v2.0", "t.lance", "_transactions", "*.txn"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeTxn(b)
	})
}

// FuzzDeletionFile feeds garbage to both deletion file readers.
func FuzzDeletionFile(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "lancedb-0.31-v2.*", "t.lance", "_deletions", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	bm := roaring.BitmapOf(1, 5, 70000)
	if b, err := bm.ToBytes(); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = readArrowDeletions(b, 1<<20)
		_, _ = readBitmapDeletions(b)
	})
}
