package testnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
)

// TestBlockRetention runs two real single-validator nodes side by side: one
// with app.toml [blocks] retain_blocks = 5, whose block store must drop old
// blocks as it commits, and an archive node (retain_blocks = 0) that keeps
// every block from height 1.
func TestBlockRetention(t *testing.T) {
	pruned := startRetentionNode(t, "retain_blocks = 5")
	archive := startRetentionNode(t, "retain_blocks = 0")
	ctx := context.Background()
	for _, c := range []*rpchttp.HTTP{pruned, archive} {
		deadline := time.Now().Add(60 * time.Second)
		for {
			st, err := c.Status(ctx)
			if err == nil && st.SyncInfo.LatestBlockHeight >= 20 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no height 20 within a minute: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	st, err := pruned.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Pruning follows each commit: the store keeps the last five blocks,
	// give or take the block being committed while Status was read.
	if lo, hi := st.SyncInfo.EarliestBlockHeight, st.SyncInfo.LatestBlockHeight; lo < hi-6 || lo > hi-3 {
		t.Fatalf("retain_blocks = 5: earliest block %d, latest %d", lo, hi)
	}
	h1 := int64(1)
	if _, err := pruned.Block(ctx, &h1); err == nil || !strings.Contains(err.Error(), "lowest height") {
		t.Fatalf("retain_blocks = 5: block 1 still served (err %v)", err)
	}
	if _, err := pruned.BlockResults(ctx, &h1); err == nil {
		t.Fatal("retain_blocks = 5: results of block 1 still served")
	}

	st, err = archive.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.SyncInfo.EarliestBlockHeight != 1 {
		t.Fatalf("archive: earliest block %d, want 1", st.SyncInfo.EarliestBlockHeight)
	}
	if b, err := archive.Block(ctx, &h1); err != nil || b.Block.Height != 1 {
		t.Fatalf("archive: block 1: %v", err)
	}
}

// startRetentionNode starts a node whose app.toml has the given
// retain_blocks line and returns its RPC client; the node stops at the
// end of the test.
func startRetentionNode(t *testing.T, retain string) *rpchttp.HTTP {
	t.Helper()
	home := t.TempDir()
	ports := freePorts(t, 2)
	if _, err := node.InitHome(home, node.InitOptions{
		ChainID: "retention-chain", Ports: node.Ports{RPC: ports[0], P2P: ports[1], Prometheus: -1}, TimeoutCommit: 50 * time.Millisecond,
	}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "config", "app.toml")
	conf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line := fmt.Sprintf("retain_blocks = %d", node.DefaultRetainBlocks)
	if !strings.Contains(string(conf), line) {
		t.Fatalf("app.toml of a new home lacks %q", line)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(conf), line, retain, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(home, "node.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	n, err := node.Start(home, log.NewTMLogger(log.NewSyncWriter(logFile)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	addr := fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])
	if _, err := client.Dial(addr); err != nil {
		t.Fatal(err)
	}
	c, err := rpchttp.New(addr, "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	return c
}
