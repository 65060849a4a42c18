package node_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

// committed sends txs (several per block) and returns their hashes by
// height.
func committed(t *testing.T, c *client.Client, root ed25519.PrivateKey, first, count int) map[int64][][]byte {
	t.Helper()
	ctx := context.Background()
	s := c.Signer(root)
	var hashes [][]byte
	for i := first; i < first+count; i++ {
		seed := sha256.Sum256([]byte(fmt.Sprintf("reindex test %d", i)))
		k := ed25519.NewKeyFromSeed(seed[:])
		res, err := s.Broadcast(ctx, &types.MsgRegisterRegulator{
			Division: types.ListedDivisionsUnder("33")[i], Name: fmt.Sprintf("Division %d", i+1),
			Keys: [][]byte{k.Public().(ed25519.PublicKey)},
		})
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, res.Hash)
	}
	byHeight := map[int64][][]byte{}
	for _, h := range hashes {
		res, err := c.Wait(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		byHeight[res.Height] = append(byHeight[res.Height], h)
	}
	return byHeight
}

// dropHeight deletes from a stopped home's tx index what a node killed
// between commit and indexing lacks: the txs of a height and the height's
// block entry. It finds the keys by scanning, as the kv indexer's key
// layout is CometBFT's business.
func dropHeight(t *testing.T, home string, height int64, hashes [][]byte) {
	t.Helper()
	conf, err := node.LoadCometConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	db, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "tx_index", Config: conf})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var drop [][]byte
	it, err := db.Iterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for ; it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		for _, h := range hashes {
			if bytes.Equal(k, h) || bytes.Equal(v, h) {
				drop = append(drop, append([]byte(nil), k...))
			}
		}
		// The block indexer's height entry and event entries hold the
		// height as their value.
		if bytes.HasPrefix(k, []byte("block_events")) && blockHeightValue(v) == height {
			drop = append(drop, append([]byte(nil), k...))
		}
	}
	it.Close()
	if len(drop) < len(hashes) {
		t.Fatalf("found %d index keys for %d txs", len(drop), len(hashes))
	}
	for _, k := range drop {
		if err := db.DeleteSync(k); err != nil {
			t.Fatal(err)
		}
	}
}

// blockHeightValue reads the block indexer's value, a varint height; -1 for
// any other value.
func blockHeightValue(v []byte) int64 {
	h, n := binary.Varint(v)
	if n != len(v) || n == 0 {
		return -1
	}
	return h
}

func TestTxIndexRepairedAtStart(t *testing.T) {
	dropLast := func(t *testing.T, home string, byHeight map[int64][][]byte) {
		last := int64(0)
		for h := range byHeight {
			last = max(last, h)
		}
		dropHeight(t, home, last, byHeight[last])
	}
	dropAll := func(t *testing.T, home string, _ map[int64][][]byte) {
		if err := os.RemoveAll(filepath.Join(home, "data", "tx_index.db")); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		// restart starts and stops the node once before the damage, and
		// commits more txs: that start checks the index and remembers the
		// height, so the next start checks only above it unless that
		// height lost its entries.
		restart bool
		// damage breaks the stopped home's index.
		damage func(t *testing.T, home string, byHeight map[int64][][]byte)
	}{
		{"last height's entries deleted", false, dropLast},
		{"whole tx_index.db deleted", false, dropAll},
		{"restarted, then last height's entries deleted", true, dropLast},
		{"restarted, then whole tx_index.db deleted", true, dropAll},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := testnode.Start(t, "reindex-test")
			byHeight := committed(t, n.Client, n.Root, 0, 8)
			if err := n.Node.Stop(); err != nil {
				t.Fatal(err)
			}
			if tc.restart {
				mid, err := node.Start(n.Home, log.NewNopLogger())
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(filepath.Join(n.Home, "data", "tx_index.checked"))
				if err != nil || strings.TrimSpace(string(b)) == "0" {
					t.Fatalf("checked height file %q (%v)", b, err)
				}
				// A new client: the old one's keep-alive connections
				// still reach the stopped node's handlers.
				c, err := client.Dial(n.RPC)
				if err != nil {
					t.Fatal(err)
				}
				for h, hs := range committed(t, c, n.Root, 8, 4) {
					byHeight[h] = append(byHeight[h], hs...)
				}
				if err := mid.Stop(); err != nil {
					t.Fatal(err)
				}
			}
			tc.damage(t, n.Home, byHeight)
			assertMissing(t, n.Home, byHeight)

			logBuf := &syncBuf{}
			again, err := node.Start(n.Home, log.NewTMLogger(logBuf))
			if err != nil {
				t.Fatal(err)
			}
			defer again.Stop()
			c, err := client.Dial(n.RPC)
			if err != nil {
				t.Fatal(err)
			}
			assertFound(t, c, byHeight)
			if !strings.Contains(logBuf.String(), "tx index: repaired at start") {
				t.Fatalf("no repair logged:\n%s", logBuf.String())
			}
		})
	}
}

// syncBuf lets the node's goroutines log to a buffer the test reads.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// assertMissing checks the damage on the stopped home: some tx is not in the
// index, so the repair has something to do.
func assertMissing(t *testing.T, home string, byHeight map[int64][][]byte) {
	t.Helper()
	conf, err := node.LoadCometConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	db, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "tx_index", Config: conf})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	missing := 0
	for _, hs := range byHeight {
		for _, h := range hs {
			if ok, err := db.Has(h); err != nil {
				t.Fatal(err)
			} else if !ok {
				missing++
			}
		}
	}
	if missing == 0 {
		t.Fatal("the damage left every tx in the index")
	}
}

// assertFound checks /tx finds every tx at its height and tx_search by
// height counts each height's txs.
func assertFound(t *testing.T, c *client.Client, byHeight map[int64][][]byte) {
	t.Helper()
	ctx := context.Background()
	for height, hs := range byHeight {
		for _, h := range hs {
			res, err := c.RPC().Tx(ctx, h, false)
			if err != nil {
				t.Fatalf("/tx %X: %v", h, err)
			}
			if res.Height != height {
				t.Fatalf("/tx %X: height %d, want %d", h, res.Height, height)
			}
		}
		page, per := 1, 100
		found, err := c.RPC().TxSearch(ctx, fmt.Sprintf("tx.height=%d", height), false, &page, &per, "asc")
		if err != nil {
			t.Fatal(err)
		}
		if found.TotalCount != len(hs) {
			t.Fatalf("tx_search tx.height=%d: %d txs, want %d", height, found.TotalCount, len(hs))
		}
		blocks, err := c.RPC().BlockSearch(ctx, fmt.Sprintf("block.height=%d", height), &page, &per, "asc")
		if err != nil {
			t.Fatal(err)
		}
		if blocks.TotalCount != 1 {
			t.Fatalf("block_search block.height=%d: %d blocks, want 1", height, blocks.TotalCount)
		}
	}
}

func TestReindexStoppedHome(t *testing.T) {
	n := testnode.Start(t, "reindex-cli-test")
	byHeight := committed(t, n.Client, n.Root, 0, 6)
	if err := n.Node.Stop(); err != nil {
		t.Fatal(err)
	}
	last := int64(0)
	for h := range byHeight {
		last = max(last, h)
	}
	dropHeight(t, n.Home, last, byHeight[last])

	for _, tc := range []struct {
		name    string
		opts    node.ReindexOptions
		heights []int64 // heights up to last written
		txs     int
		err     string
	}{
		{"range without damage", node.ReindexOptions{From: 1, To: last - 1}, nil, 0, ""},
		{"from above the chain", node.ReindexOptions{From: last + 1000}, nil, 0, "no executed height"},
		{"default range", node.ReindexOptions{}, []int64{last}, len(byHeight[last]), ""},
		{"again: nothing left", node.ReindexOptions{}, nil, 0, ""},
		{"forced", node.ReindexOptions{From: last, To: last, Force: true}, []int64{last}, len(byHeight[last]), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := node.Reindex(n.Home, tc.opts, log.NewNopLogger())
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Heights above last hold no tx; the stop may have come before
			// the indexer service wrote the block entry of the last one.
			var below []int64
			for _, h := range r.Heights {
				if h <= last {
					below = append(below, h)
				}
			}
			if fmt.Sprint(below) != fmt.Sprint(tc.heights) || r.Txs != tc.txs {
				t.Fatalf("reindexed heights %v (%d txs), want %v (%d txs)", r.Heights, r.Txs, tc.heights, tc.txs)
			}
		})
	}

	again, err := node.Start(n.Home, log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer again.Stop()
	c, err := client.Dial(n.RPC)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := c.RPC().Status(context.Background()); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assertFound(t, c, byHeight)
}
