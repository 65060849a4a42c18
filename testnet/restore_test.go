package testnet

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"

	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

// registerRegulators sends one registration per division, signed by the
// root regulator, and waits for each.
func (nw *network) registerRegulators(divs ...string) {
	nw.t.Helper()
	c, root := nw.client(0), nw.rootKey()
	for _, d := range divs {
		seed := sha256.Sum256([]byte("restore test " + d))
		if _, err := c.Send(context.Background(), root, &types.MsgRegisterRegulator{
			Division: d, Name: "Regulator " + d, Keys: [][]byte{ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)},
		}); err != nil {
			nw.t.Fatal(err)
		}
	}
}

func cp(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", from, to, err, out)
	}
}

// TestRestoreValidatorFromBackup follows docs/operations/restore-from-backup.md
// on four validators: node3 is backed up while it runs (a kept snapshot,
// config/ and keyring/), the chain goes on, node3's disk dies, and it comes
// back from the backup plus its peers: the app hash of the backup's height
// is the chain's, it catches up to the same app hashes as the others and
// signs blocks again, and no block holds evidence of a double signature.
// Its priv_validator_state.json, saved from the dead disk, is newer than the
// backup's: the import keeps it.
func TestRestoreValidatorFromBackup(t *testing.T) {
	nw := newNetwork(t, 4, 0, netBlockTime, 10)
	nw.registerRegulators("330100", "330200")
	home := nw.home(3)
	var kept string
	deadline := time.Now().Add(30 * time.Second)
	for kept == "" && time.Now().Before(deadline) {
		if es, _ := os.ReadDir(node.SnapshotDir(home)); len(es) > 0 && !strings.HasPrefix(es[0].Name(), ".") {
			kept = es[0].Name()
		}
		time.Sleep(100 * time.Millisecond)
	}
	if kept == "" {
		t.Fatal("node3 kept no snapshot")
	}

	backup := t.TempDir()
	out := nw.cli("snapshot", "export", "--home", home, "--height", "0", "--out", filepath.Join(backup, "snapshot"))
	m := regexp.MustCompile(`exported height (\d+) \(\d+ chunks, app hash ([0-9A-F]{64}), copied from a kept snapshot\)`).FindStringSubmatch(out)
	if m == nil || m[1] != kept {
		t.Fatalf("export of kept snapshot %s: %s", kept, out)
	}
	height, _ := strconv.ParseInt(m[1], 10, 64)
	cp(t, filepath.Join(home, "config"), backup)
	cp(t, filepath.Join(home, "keyring"), backup)

	nw.registerRegulators("330300")
	nw.waitHeight(0, height+15, 30*time.Second)
	nw.kill(3)
	// The disk dies; its last priv_validator_state.json could still be read.
	saved, err := os.ReadFile(filepath.Join(home, "data", "priv_validator_state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(home); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(home, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	cp(t, filepath.Join(backup, "config"), home)
	cp(t, filepath.Join(backup, "keyring"), home)
	if err := os.WriteFile(filepath.Join(home, "data", "priv_validator_state.json"), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	out = nw.cli("snapshot", "import", "--home", home, "--in", filepath.Join(backup, "snapshot"),
		"--peer-rpc", nw.tn.Nodes[0].RPC, "--peer-rpc", nw.tn.Nodes[1].RPC)
	if !strings.Contains(out, fmt.Sprintf("restored height %d, app hash %s", height, m[2])) ||
		!strings.Contains(out, "kept the home's priv_validator_state.json") {
		t.Fatalf("import: %s", out)
	}
	// The backup's app hash is the one the chain recorded for its height.
	if got := fmt.Sprintf("%X", nw.block(0, height+1).Block.Header.AppHash); got != m[2] {
		t.Fatalf("chain's app hash at %d: %s, backup's %s", height, got, m[2])
	}
	// A second import into the restored home is refused.
	if b, err := exec.Command(nw.bin, "snapshot", "import", "--home", home, "--in", filepath.Join(backup, "snapshot"),
		"--peer-rpc", nw.tn.Nodes[0].RPC).CombinedOutput(); err == nil || !strings.Contains(string(b), "the home has state") {
		t.Fatalf("import into a restored home: %v %s", err, b)
	}

	nw.start(3)
	target := nw.height(0) + 5
	nw.waitHeight(3, target, 60*time.Second)
	nw.sameAppHashes(target, 0, 1, 2, 3)

	key := privval.LoadFilePVEmptyState(filepath.Join(home, "config", "priv_validator_key.json"), "")
	addr := key.Key.Address
	signed := false
	for h := target; h <= target+5 && !signed; h++ {
		nw.waitHeight(0, h+1, 10*time.Second)
		for _, s := range nw.block(0, h+1).Block.LastCommit.Signatures {
			if s.ValidatorAddress.String() == addr.String() && len(s.Signature) > 0 {
				signed = true
			}
		}
	}
	if !signed {
		t.Fatalf("the restored validator %s signed none of the commits of heights %d to %d", addr, target, target+5)
	}
	end := nw.height(0)
	for h := int64(1); h <= end; h++ {
		if ev := nw.block(0, h).Block.Evidence.Evidence; len(ev) > 0 {
			t.Fatalf("block %d holds evidence: %v", h, ev)
		}
	}
	var st node.SignState
	b, _ := os.ReadFile(filepath.Join(home, "data", "priv_validator_state.json"))
	if err := json.Unmarshal(b, &st); err != nil || st.Height < target {
		t.Fatalf("priv_validator_state.json after the restart: %s (%v)", b, err)
	}
}
