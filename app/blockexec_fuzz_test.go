package app

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestBlockExecutionProperty runs the block-execution generator (see
// blockexec_gen_test.go) from fixed seeds: validly signed txs of every
// message type with fields chosen from meaningful and hostile values, in
// blocks whose times jump from a second to centuries. FinalizeBlock and
// Commit never fail or panic, a twin app agrees on every app hash,
// quantities are conserved for every code, and a refused tx changes
// nothing but its signer's sequence.
func TestBlockExecutionProperty(t *testing.T) {
	const blocks = 60
	seeds := [][2]uint64{{1, 1}, {2, 3}, {0xC01D, 0xB10C}, {20231114, 7}, {42, 4242}, {9999, 1231}, {7, 0xE0F}, {0x51, 0x1F3}}
	for _, s := range seeds {
		t.Run(fmt.Sprintf("seed-%d-%d", s[0], s[1]), func(t *testing.T) {
			r := newBXRun(t, bxRand{rand.New(rand.NewPCG(s[0], s[1]))})
			for i := 0; i < blocks; i++ {
				r.block()
			}
			t.Log(r.summary())
			if testing.Verbose() {
				t.Log("most frequent refusals:\n" + r.topReasons(400))
			}
		})
	}
}

// FuzzBlockExecution is TestBlockExecutionProperty with the fuzzer's bytes
// as the choices: `go test -run=^$ -fuzz=^FuzzBlockExecution$ ./app/`.
func FuzzBlockExecution(f *testing.F) {
	for i := uint64(0); i < 4; i++ {
		rng := rand.New(rand.NewPCG(i, 0xF022))
		seed := make([]byte, 256+128*i)
		for j := range seed {
			seed[j] = byte(rng.Uint32())
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := &bxBytes{data: data}
		r := newBXRun(t, src)
		for i := 0; i < 64 && !src.exhausted(); i++ {
			r.block()
		}
	})
}
