package format

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// General (opaque) buffer compression as LanceDB writes it:
//   - zstd: a u64 little-endian uncompressed length then a zstd stream
//     (older files hold a bare zstd frame);
//   - lz4: a u32 little-endian uncompressed length then an LZ4 block.
// Schemes are named as in 2.0 (strings) and numbered as in 2.1.

// maxDecompressed bounds the output of one decompression so a hostile
// length cannot allocate without limit.
const maxDecompressed = 1 << 30

var (
	zstdOnce sync.Once
	zstdDec  *zstd.Decoder
	zstdErr  error
)

func zstdDecoder() (*zstd.Decoder, error) {
	zstdOnce.Do(func() {
		zstdDec, zstdErr = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxDecompressed), zstd.WithDecoderConcurrency(0))
	})
	return zstdDec, zstdErr
}

const zstdMagic = 0xFD2FB528

func decompressZstd(in []byte) ([]byte, error) {
	dec, err := zstdDecoder()
	if err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, nil
	}
	// A bare frame starts with the magic and a header whose reserved bit
	// is 0; anything else is length-prefixed.
	if len(in) < 8 || binary.LittleEndian.Uint32(in) == zstdMagic && in[4]&0x10 == 0 {
		return dec.DecodeAll(in, nil)
	}
	n := binary.LittleEndian.Uint64(in)
	if n > maxDecompressed {
		return nil, fmt.Errorf("zstd buffer claims %d bytes", n)
	}
	out, err := dec.DecodeAll(in[8:], make([]byte, 0, n))
	if err != nil {
		return nil, err
	}
	if uint64(len(out)) != n {
		return nil, fmt.Errorf("zstd buffer decoded to %d bytes, header says %d", len(out), n)
	}
	return out, nil
}

func decompressLz4(in []byte) ([]byte, error) {
	if len(in) < 4 {
		return nil, fmt.Errorf("lz4 buffer of %d bytes", len(in))
	}
	n := binary.LittleEndian.Uint32(in)
	if n > maxDecompressed || uint64(n) > 255*uint64(len(in))+16 {
		return nil, fmt.Errorf("lz4 buffer claims %d bytes from %d", n, len(in))
	}
	out := make([]byte, n)
	m, err := lz4.UncompressBlock(in[4:], out)
	if err != nil {
		return nil, err
	}
	if m != int(n) {
		return nil, fmt.Errorf("lz4 buffer decoded to %d bytes, header says %d", m, n)
	}
	return out, nil
}

// decompressScheme decodes a buffer compressed with a 2.1 scheme number
// (1 lz4, 2 zstd) or a 2.0 scheme name.
func decompressScheme(scheme any, in []byte) ([]byte, error) {
	switch scheme {
	case 2, "zstd":
		return decompressZstd(in)
	case 1, "lz4":
		return decompressLz4(in)
	case 0, "", "none":
		return in, nil
	}
	return nil, fmt.Errorf("unsupported compression scheme %v", scheme)
}
