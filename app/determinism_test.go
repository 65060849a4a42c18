package app

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// scriptedBlocks builds a fixed sequence of blocks mixing accepted and
// refused txs (a seeded generator, so every run builds the same bytes).
func scriptedBlocks(t *testing.T, n int) [][][]byte {
	c := newTestChain(t) // only used to sign with tracked sequences
	rng := rand.New(rand.NewPCG(7, 11))
	var blocks [][][]byte
	blocks = append(blocks, [][]byte{c.tx(kRoot, regRegulator(cityDiv, "Hangzhou", kCity))})
	for h := 1; h < n; h++ {
		var txs [][]byte
		for i := 0; i < 1+rng.IntN(6); i++ {
			u := mkUSCC(fmt.Sprintf("913301%02dMA%07d", 1+rng.IntN(9), rng.IntN(10_000_000)))
			switch rng.IntN(4) {
			case 0: // refused: out of jurisdiction
				txs = append(txs, c.tx(kCity, regEnterprise(u, otherCityDiv, types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, testKey(u))))
			case 1: // refused: garbage
				txs = append(txs, []byte(fmt.Sprintf("junk-%d", rng.IntN(1000))))
			default:
				txs = append(txs, c.tx(kCity, regEnterprise(u, cityDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, testKey(u))))
			}
		}
		blocks = append(blocks, txs)
	}
	return blocks
}

func runBlock(t *testing.T, a *App, height int64, txs [][]byte, commit bool) []byte {
	t.Helper()
	res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{
		Height: height, Time: time.Unix(1_700_000_000+height, 0).UTC(), Txs: txs,
	})
	if err != nil {
		t.Fatalf("FinalizeBlock %d: %v", height, err)
	}
	if commit {
		if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			t.Fatalf("Commit %d: %v", height, err)
		}
	}
	return res.AppHash
}

// TestDeterminism: two independent apps fed the same blocks reach the same
// app hash at every height, and the hash moves when state does.
func TestDeterminism(t *testing.T) {
	blocks := scriptedBlocks(t, 30)
	a, b := newTestChain(t).app, newTestChain(t).app
	seen := map[string]bool{}
	for i, txs := range blocks {
		h := int64(i + 1)
		ha, hb := runBlock(t, a, h, txs, true), runBlock(t, b, h, txs, true)
		if !bytes.Equal(ha, hb) {
			t.Fatalf("height %d: app hashes differ: %X vs %X", h, ha, hb)
		}
		seen[string(ha)] = true
	}
	if len(seen) < len(blocks)/2 {
		t.Fatalf("only %d distinct app hashes over %d blocks: state is not moving", len(seen), len(blocks))
	}
}

// TestCrashBeforeCommit: a node that dies after FinalizeBlock and before
// Commit reopens at the previous height and, replaying the block, reaches
// the hash an uninterrupted node reached.
func TestCrashBeforeCommit(t *testing.T) {
	blocks := scriptedBlocks(t, 6)
	ref := newTestChain(t).app
	var want []byte
	for i, txs := range blocks {
		want = runBlock(t, ref, int64(i+1), txs, true)
	}

	dir := t.TempDir()
	open := func() *App {
		tree, err := state.Open(dir, state.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := New(tree, log.NewNopLogger())
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := open()
	initChain(t, a)
	for i, txs := range blocks[:5] {
		runBlock(t, a, int64(i+1), txs, true)
	}
	runBlock(t, a, 6, blocks[5], false) // finalized, never committed
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	a = open()
	defer a.Close()
	info, _ := a.Info(context.Background(), &abci.RequestInfo{})
	if info.LastBlockHeight != 5 {
		t.Fatalf("reopened at height %d, want 5", info.LastBlockHeight)
	}
	if got := runBlock(t, a, 6, blocks[5], true); !bytes.Equal(got, want) {
		t.Fatalf("replayed block 6: hash %X, want %X", got, want)
	}
	info, _ = a.Info(context.Background(), &abci.RequestInfo{})
	if info.LastBlockHeight != 6 || !bytes.Equal(info.LastBlockAppHash, want) {
		t.Fatalf("Info after replay: height %d hash %X", info.LastBlockHeight, info.LastBlockAppHash)
	}
}
