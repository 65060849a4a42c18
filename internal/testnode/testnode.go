// Package testnode starts real single-validator coldtrace nodes for tests:
// a temporary home on free loopback ports, the node with the app in-process,
// a client, and the keys the home was created with. Only tests import it.
//
// Usage: n := testnode.Start(t, "my-chain"); n.Client.Send(ctx, n.Root, msg).
package testnode

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
)

// Node is a running node of a test.
type Node struct {
	Home    string
	RPC     string // tcp://127.0.0.1:port
	Node    *node.Node
	Client  *client.Client
	Root    ed25519.PrivateKey // the root regulator's key
	Customs ed25519.PrivateKey // the customs authority's key
}

// Start creates a home with 100 ms blocks, starts its node (stopped when the
// test ends, its log in <home>/node.log) and waits for its first block.
func Start(t testing.TB, chainID string) *Node {
	t.Helper()
	return StartWith(t, Options{ChainID: chainID})
}

// Options shape a test node; zero values take Start's.
type Options struct {
	ChainID string
	// TimeoutCommit is the pause after each block (default 100 ms); a long
	// one makes a chain that, for a while after each block, makes no progress.
	TimeoutCommit time.Duration
}

// StartWith is Start with options.
func StartWith(t testing.TB, o Options) *Node {
	t.Helper()
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = 100 * time.Millisecond
	}
	home := t.TempDir()
	ports := FreePorts(t, 2)
	if _, err := node.InitHome(home, node.InitOptions{
		ChainID: o.ChainID, Ports: node.Ports{RPC: ports[0], P2P: ports[1]}, TimeoutCommit: o.TimeoutCommit,
		Backend: client.BackendTest, // plain keys: tests sign without a passphrase
	}); err != nil {
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
	rpc := fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])
	c, err := client.Dial(rpc)
	if err != nil {
		t.Fatal(err)
	}
	WaitCommitted(t, c, 1, 20*time.Second+2*o.TimeoutCommit)
	kr := client.NewKeyring(home)
	root, err := kr.Get(node.RegulatorKeyName)
	if err != nil {
		t.Fatal(err)
	}
	customs, err := kr.Get(node.CustomsKeyName)
	if err != nil {
		t.Fatal(err)
	}
	return &Node{Home: home, RPC: rpc, Node: n, Client: c, Root: root, Customs: customs}
}

// FreePorts returns n distinct loopback ports that were free a moment ago.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// WaitCommitted polls until the app has committed height h (the block store
// holds h+1: CometBFT saves a block before executing it) and returns the
// store's height.
func WaitCommitted(t testing.TB, c *client.Client, h int64, within time.Duration) int64 {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, err := c.RPC().Status(context.Background())
		if err == nil && st.SyncInfo.LatestBlockHeight > h {
			return st.SyncInfo.LatestBlockHeight
		}
		if time.Now().After(deadline) {
			t.Fatalf("node did not commit height %d within %s (last error %v)", h, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
