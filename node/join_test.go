package node_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
)

func TestJoinHome(t *testing.T) {
	n := testnode.StartWith(t, testnode.Options{ChainID: "join-test", NoMetrics: true})
	gen := filepath.Join(n.Home, "config", "genesis.json")
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		o    node.JoinOptions
		err  string
	}{
		{"replay from genesis", node.JoinOptions{Genesis: gen, Peers: "abc@127.0.0.1:1", Backend: client.BackendTest}, ""},
		{"state sync", node.JoinOptions{Genesis: gen, RPCServers: []string{n.RPC}, Backend: client.BackendTest,
			P2PListen: "tcp://0.0.0.0:36656", RPCListen: "127.0.0.1:36657", MetricsListen: "127.0.0.1:36660"}, ""},
		{"no genesis", node.JoinOptions{Genesis: filepath.Join(n.Home, "nope.json"), Backend: client.BackendTest}, "--genesis"},
		{"file backend without passphrase", node.JoinOptions{Genesis: gen}, "encrypts the keys"},
		{"peer down", node.JoinOptions{Genesis: gen, RPCServers: []string{"tcp://127.0.0.1:1"}, Backend: client.BackendTest}, "peer tcp://127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			r, err := node.JoinHome(ctx, home, tc.o)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if _, err := os.Stat(filepath.Join(home, "config", "genesis.json")); err == nil {
					t.Fatal("a refused join left a home")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			conf, err := node.LoadCometConfig(home)
			if err != nil {
				t.Fatal(err)
			}
			if r.ChainID != "join-test" || len(r.ValidatorKey) != 64 || len(r.RegulatorKey) != 64 || conf.StateSync.Enable != (len(tc.o.RPCServers) > 0) {
				t.Fatalf("report %+v, state sync %v", r, conf.StateSync.Enable)
			}
			if tc.o.P2PListen != "" && (conf.P2P.ListenAddress != "tcp://0.0.0.0:36656" || conf.RPC.ListenAddress != "tcp://127.0.0.1:36657" ||
				conf.Instrumentation.PrometheusListenAddr != "127.0.0.1:36660" || conf.StateSync.TrustHeight < 1) {
				t.Fatalf("addresses %s %s %s, trust %d", conf.P2P.ListenAddress, conf.RPC.ListenAddress, conf.Instrumentation.PrometheusListenAddr, conf.StateSync.TrustHeight)
			}
			if k, _ := node.ValidatorKey(home); k != r.ValidatorKey {
				t.Fatalf("validator key %s, reported %s", k, r.ValidatorKey)
			}
			if _, err := node.JoinHome(ctx, home, tc.o); err == nil || !strings.Contains(err.Error(), "initialised already") {
				t.Fatalf("second join: %v", err)
			}
		})
	}
	if _, _, _, err := node.RotateValidatorKey(n.Home); err == nil || !strings.Contains(err.Error(), "stop the node first") {
		t.Fatalf("rotate on a running node: %v", err)
	}
	old, _ := node.ValidatorKey(n.Home)
	if err := n.Node.Stop(); err != nil {
		t.Fatal(err)
	}
	oldKey, newKey, oldFile, err := node.RotateValidatorKey(n.Home)
	if err != nil || oldKey != old || newKey == old || !strings.HasSuffix(oldFile, ".old") {
		t.Fatalf("rotate: %s %s %s %v", oldKey, newKey, oldFile, err)
	}
	if _, err := os.Stat(oldFile); err != nil {
		t.Fatal(err)
	}
}
