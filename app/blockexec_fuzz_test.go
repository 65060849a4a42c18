package app

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/coldtrace/coldtrace/types"
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
	for i, s := range seeds {
		// Half the seeds start a chain under the first rules, as chains
		// written before rule versions did; half under the latest.
		rules := uint32(0)
		if i%2 == 1 {
			rules = types.LatestRules
		}
		t.Run(fmt.Sprintf("rules-%d-seed-%d-%d", rules, s[0], s[1]), func(t *testing.T) {
			r := newBXRun(t, bxRand{rand.New(rand.NewPCG(s[0], s[1]))}, rules)
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
// as the choices, under the first or the latest rules:
// `go test -run=^$ -fuzz=^FuzzBlockExecution$ ./app/`.
func FuzzBlockExecution(f *testing.F) {
	for i := uint64(0); i < 4; i++ {
		rng := rand.New(rand.NewPCG(i, 0xF022))
		seed := make([]byte, 256+128*i)
		for j := range seed {
			seed[j] = byte(rng.Uint32())
		}
		f.Add(i%2 == 1, seed)
	}
	f.Fuzz(func(t *testing.T, latest bool, data []byte) {
		rules := uint32(0)
		if latest {
			rules = types.LatestRules
		}
		src := &bxBytes{data: data}
		r := newBXRun(t, src, rules)
		for i := 0; i < 64 && !src.exhausted(); i++ {
			r.block()
		}
	})
}
