package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
)

// TestAnalyticsInitCommand: init refuses without --conn, on a genesis
// validator's home, and when the database does not answer, each time
// leaving config.toml's kv indexer in place; schema prints both parts.
// (analytics/node_test.go runs init against a real PostgreSQL.)
func TestAnalyticsInitCommand(t *testing.T) {
	dir := t.TempDir()
	validator := filepath.Join(dir, "validator")
	if _, err := node.InitHome(validator, node.InitOptions{ChainID: "analytics-cmd", Ports: node.Ports{RPC: 1, P2P: 2, Prometheus: -1}}); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "full")
	if _, err := node.JoinHome(context.Background(), full, node.JoinOptions{
		Genesis: filepath.Join(validator, "config", "genesis.json"), Peers: "abc@127.0.0.1:1", Backend: client.BackendTest,
	}); err != nil {
		t.Fatal(err)
	}
	down := fmt.Sprintf("postgres://coldtrace@127.0.0.1:%d/coldtrace?sslmode=disable&connect_timeout=5", testnode.FreePorts(t, 1)[0])
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no conn", []string{"analytics", "init", "--home", full}, "--conn is required"},
		{"validator", []string{"analytics", "init", "--home", validator, "--conn", down}, "is a validator of the chain"},
		{"database down", []string{"analytics", "init", "--home", full, "--conn", down}, "cannot reach the database"},
		{"quote in conn", []string{"analytics", "init", "--home", full, "--conn", `host=127.0.0.1 password="x"`}, "may not hold a double quote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runCmd(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v: %v (%s), want an error with %q", tc.args, err, out, tc.want)
			}
		})
	}
	for _, home := range []string{validator, full} {
		conf, err := node.LoadCometConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		ac, err := node.LoadAppConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		if conf.TxIndex.Indexer != "kv" || conf.TxIndex.PsqlConn != "" || ac.Analytics.Enabled {
			t.Fatalf("%s after refused inits: indexer %q conn %q analytics %v", home, conf.TxIndex.Indexer, conf.TxIndex.PsqlConn, ac.Analytics.Enabled)
		}
	}
	out, err := runCmd(t, "analytics", "schema")
	if err != nil || !strings.Contains(out, "CREATE TABLE blocks (") || !strings.Contains(out, "CREATE OR REPLACE VIEW city_flows AS") {
		t.Fatalf("analytics schema: %v\n%s", err, out)
	}
}
