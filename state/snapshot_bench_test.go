package state

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
)

// BenchmarkRestore rebuilds a 100,000-key version from its snapshot stream
// into an empty state on disk, as a node joining by state sync does, in
// each storage engine. Keys are hashed so they arrive in no useful order
// for the engine, and values are the size of a code record.
//
//	go test -run '^$' -bench Restore -benchtime 3x ./state/
func BenchmarkRestore(b *testing.B) {
	const keys = 100_000
	for _, backend := range []string{BackendGoLevelDB, BackendPebbleDB} {
		b.Run(backend, func(b *testing.B) {
			src := OpenMemory(Options{})
			val := bytes.Repeat([]byte("v"), 150)
			for i := 0; i < keys; i++ {
				h := sha256.Sum256([]byte(fmt.Sprint(i)))
				if err := src.Set([]byte(fmt.Sprintf("c/%x", h[:16])), val); err != nil {
					b.Fatal(err)
				}
				if i%10_000 == 9_999 {
					if _, _, err := src.SaveVersion(); err != nil {
						b.Fatal(err)
					}
				}
			}
			v := src.Version()
			exp, err := src.Export(v)
			if err != nil {
				b.Fatal(err)
			}
			var stream bytes.Buffer
			if _, err := exp.WriteTo(&stream, nil); err != nil {
				b.Fatal(err)
			}
			exp.Close()
			b.SetBytes(int64(stream.Len()))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dst, err := Open(b.TempDir(), Options{Backend: backend})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := dst.Restore(v, bytes.NewReader(stream.Bytes()), src.Hash()); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := dst.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
