package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/internal/testnode"
	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

func TestReindexCommand(t *testing.T) {
	n := testnode.Start(t, "reindex-cmd-test")
	seed := sha256.Sum256([]byte("reindex command test"))
	res, err := n.Client.Send(context.Background(), n.Root, &types.MsgRegisterRegulator{
		Division: "330100", Name: "Hangzhou", Keys: [][]byte{ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Node.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(n.Home, "data", "tx_index.db")); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		out  string // regexp
		err  string
	}{
		{"whole chain", []string{"reindex"}, `checked heights 1 to \d+: indexed \d+ heights, 1 txs`, ""},
		{"again", []string{"reindex"}, `indexed 0 heights, 0 txs`, ""},
		{"one height forced", []string{"reindex", "--from", strconv.FormatInt(res.Height, 10), "--to", strconv.FormatInt(res.Height, 10), "--force"},
			`checked heights (\d+) to \d+: indexed 1 heights, 1 txs`, ""},
		{"json", []string{"reindex", "-o", "json"}, `^\{"from":1,"to":\d+,"heights":null,"txs":0\}`, ""},
		{"bad range", []string{"reindex", "--from", "5", "--to", "2"}, "", "--from is at most --to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := newRootCmd()
			var out, errOut bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			cmd.SetArgs(append(tc.args, "--home", n.Home))
			err := cmd.Execute()
			if tc.err != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.err)) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut.String())
			}
			if !regexp.MustCompile(tc.out).MatchString(out.String()) {
				t.Fatalf("output %q, want %q", out.String(), tc.out)
			}
		})
	}
	// The index answers for the tx again: nothing is left to write.
	r, err := node.Reindex(n.Home, node.ReindexOptions{From: res.Height, To: res.Height}, log.NewNopLogger())
	if err != nil || len(r.Heights) != 0 {
		t.Fatalf("after reindex: %+v %v", r, err)
	}
}
