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
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/libs/log"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
)

// Node is a running node of a test.
type Node struct {
	Home    string
	RPC     string // tcp://127.0.0.1:port
	Node    *node.Node
	Client  *client.Client
	Genesis *cmttypes.GenesisDoc
	Root    ed25519.PrivateKey // the root regulator's key
	Customs ed25519.PrivateKey // the customs authority's key
	logFile *os.File
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
	// NoMetrics leaves Prometheus off (a fixture shared by many tests).
	NoMetrics bool
}

// StartWith is Start with options.
func StartWith(t testing.TB, o Options) *Node {
	t.Helper()
	n, err := Launch(t.TempDir(), o)
	if n != nil {
		t.Cleanup(func() { n.Stop() })
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Launch is StartWith for a caller without a test (a fixture a package's
// TestMain shares): it creates the home in home, and the caller stops the
// node. On an error after the node started, the node is returned to stop.
func Launch(home string, o Options) (*Node, error) {
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = 100 * time.Millisecond
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	p := node.Ports{RPC: ports[0], P2P: ports[1]}
	if o.NoMetrics {
		p.Prometheus = -1
	}
	gen, err := node.InitHome(home, node.InitOptions{
		ChainID: o.ChainID, Ports: p, TimeoutCommit: o.TimeoutCommit,
		Backend: client.BackendTest, // plain keys: tests sign without a passphrase
	})
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(home, "node.log"))
	if err != nil {
		return nil, err
	}
	nd, err := node.Start(home, log.NewTMLogger(log.NewSyncWriter(logFile)))
	if err != nil {
		logFile.Close()
		return nil, err
	}
	n := &Node{Home: home, RPC: fmt.Sprintf("tcp://127.0.0.1:%d", ports[0]), Node: nd, Genesis: gen, logFile: logFile}
	if n.Client, err = client.Dial(n.RPC); err != nil {
		return n, err
	}
	if _, err := waitCommitted(n.Client, 1, 20*time.Second+2*o.TimeoutCommit); err != nil {
		return n, err
	}
	kr := client.NewKeyring(home)
	if n.Root, err = kr.Get(node.RegulatorKeyName); err != nil {
		return n, err
	}
	if n.Customs, err = kr.Get(node.CustomsKeyName); err != nil {
		return n, err
	}
	return n, nil
}

// Stop stops the node and closes its log.
func (n *Node) Stop() error {
	err := n.Node.Stop()
	n.logFile.Close()
	return err
}

// FreePorts returns n distinct loopback ports that were free a moment ago.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports, err := freePorts(n)
	if err != nil {
		t.Fatal(err)
	}
	return ports
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	var ports []int
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	// Ports below Linux's ephemeral range (32768-60999): a port the kernel
	// hands out for ":0" can be handed again to another test's outgoing
	// connection before the node binds it.
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			return nil, fmt.Errorf("testnode: no free loopback port found in 20000-32767")
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12768)))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// WaitCommitted polls until the app has committed height h (the block store
// holds h+1: CometBFT saves a block before executing it) and returns the
// store's height.
func WaitCommitted(t testing.TB, c *client.Client, h int64, within time.Duration) int64 {
	t.Helper()
	got, err := waitCommitted(c, h, within)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// WaitCommittedErr is WaitCommitted for code without a testing.T (shared
// fixtures).
func WaitCommittedErr(c *client.Client, h int64, within time.Duration) (int64, error) {
	return waitCommitted(c, h, within)
}

func waitCommitted(c *client.Client, h int64, within time.Duration) (int64, error) {
	deadline := time.Now().Add(within)
	for {
		st, err := c.RPC().Status(context.Background())
		if err == nil && st.SyncInfo.LatestBlockHeight > h {
			return st.SyncInfo.LatestBlockHeight, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("node did not commit height %d within %s (last error %v)", h, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
