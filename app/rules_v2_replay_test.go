package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/types"
)

// goldenV2 is testdata/rules_v2_chain.json: a chain written under rules v2
// by the binary of the v2 era, from the block-execution generator's seeds
// (every message type, plausible and hostile fields, times jumping up to
// year 9999), with every result code and app hash that binary computed.
type goldenV2 struct {
	About  string          `json:"about"`
	Chains []goldenV2Chain `json:"chains"`
}

type goldenV2Chain struct {
	Name     string         `json:"name"`
	ChainID  string         `json:"chain_id"`
	Genesis  []byte         `json:"genesis_app_state"`
	InitHash []byte         `json:"init_app_hash"`
	Blocks   []goldenRecord `json:"blocks"`
}

func goldenV2ChainOf(t *testing.T, name string, genesis []byte, blocks []goldenRecord) goldenV2Chain {
	t.Helper()
	a := NewInMemory()
	defer a.Close()
	ic, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, InitialHeight: 1, AppStateBytes: genesis})
	if err != nil {
		t.Fatal(err)
	}
	return goldenV2Chain{Name: name, ChainID: testChainID, Genesis: genesis, InitHash: ic.AppHash, Blocks: blocks}
}

const goldenV2File = "testdata/rules_v2_chain.json"

// TestGenerateGoldenV2 writes the golden chain when GOLDEN_V2_OUT names a
// file; it was run once with the last binary whose newest rules were v2:
//
//	GOLDEN_V2_OUT=$PWD/app/testdata/rules_v2_chain.json go test ./app -run TestGenerateGoldenV2
func TestGenerateGoldenV2(t *testing.T) {
	out := os.Getenv("GOLDEN_V2_OUT")
	if out == "" {
		t.Skip("set GOLDEN_V2_OUT to write the golden chain (only with the binary of the v2 era)")
	}
	generateGolden(t, out, types.RulesV2, rand.NewPCG(0x2B2B, 0x0C0D), goldenV2Scenario(t))
}

// generateGolden writes a golden file of two chains under rules: the
// scenario's blocks, and the generator's from seed, mostly plausible
// blocks a day or so apart so goods move through the whole lifecycle,
// then hostile ones with times jumping centuries.
func generateGolden(t *testing.T, out string, rules uint32, seed rand.Source, sc *svChain) {
	r := newBXRun(t, bxRand{rand.New(seed)}, rules)
	r.calm = true
	for i := 0; i < 240; i++ {
		r.block()
	}
	r.calm = false
	for i := 0; i < 60; i++ {
		r.block()
	}
	g := goldenV2{
		About: fmt.Sprintf("Blocks executed under rules v%d by the binary of the v%d era (app/rules_v%d_replay_test.go): every later binary must reach the same codes and app hashes.", rules, rules, rules),
		Chains: []goldenV2Chain{
			goldenV2ChainOf(t, "scenario", sc.genesis, sc.recorded),
			goldenV2ChainOf(t, "generated", r.genesis, r.recorded),
		},
	}
	b, err := json.MarshalIndent(g, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log(r.summary())
	t.Log(r.topReasons(25))
}

// loadGoldenChains reads a golden file of two chains.
func loadGoldenChains(t *testing.T, file string) *goldenV2 {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	g := &goldenV2{}
	if err := json.Unmarshal(b, g); err != nil {
		t.Fatal(err)
	}
	if len(g.Chains) != 2 {
		t.Fatalf("%s has %d chains", file, len(g.Chains))
	}
	return g
}

// TestRulesV2HistoryReplays: the blocks a v2 chain committed execute on this
// binary to the same result codes and app hashes, whatever later rule
// versions added.
func TestRulesV2HistoryReplays(t *testing.T) {
	for _, ch := range loadGoldenChains(t, goldenV2File).Chains {
		t.Run(ch.Name, func(t *testing.T) {
			if n := replayRecorded(t, ch, "v2"); n < 40 {
				t.Fatalf("only %d txs accepted in the golden chain: it exercises too little", n)
			}
		})
	}
}

// replayRecorded executes a recorded chain's blocks and requires every
// result code and app hash the binary of era (v2, v3) computed; it returns
// how many txs were accepted.
func replayRecorded(t *testing.T, g goldenV2Chain, era string) int {
	a := NewInMemory()
	defer a.Close()
	ic, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: g.ChainID, InitialHeight: 1, AppStateBytes: g.Genesis})
	if err != nil {
		t.Fatal(err)
	}
	if string(ic.AppHash) != string(g.InitHash) {
		t.Fatalf("genesis app hash %X, the %s binary had %X", ic.AppHash, era, g.InitHash)
	}
	accepted := 0
	for _, blk := range g.Blocks {
		res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: blk.Height, Time: blk.Time, Txs: blk.Txs})
		if err != nil {
			t.Fatalf("height %d: %v", blk.Height, err)
		}
		for i, r := range res.TxResults {
			if r.Code != blk.Codes[i] {
				t.Fatalf("height %d tx %d: code %d (%s), the %s binary gave %d", blk.Height, i, r.Code, r.Log, era, blk.Codes[i])
			}
			if r.Code == 0 {
				accepted++
			}
		}
		if string(res.AppHash) != string(blk.AppHash) {
			t.Fatalf("height %d: app hash %X, the %s binary had %X", blk.Height, res.AppHash, era, blk.AppHash)
		}
		if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
	}
	return accepted
}
