package testnet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

// runbookPage is the shell of one page of docs/operations: the names its
// variables block sets, and the commands of its other sh blocks.
type runbookPage struct {
	vars    []string
	script  string
	skipped []string // blocks marked "not run", with the reason
}

var (
	runbookVar    = regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)=`)
	runbookNotRun = regexp.MustCompile(`^<!-- not run: (.+) -->$`)
)

func readRunbook(t *testing.T, name string) runbookPage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "operations", name))
	if err != nil {
		t.Fatal(err)
	}
	var p runbookPage
	var script strings.Builder
	lines := strings.Split(string(b), "\n")
	inVars, seenVars := false, false
	notRun := ""
	for k := 0; k < len(lines); k++ {
		l := lines[k]
		switch {
		case strings.HasPrefix(l, "## "):
			inVars = l == "## Variables"
		case runbookNotRun.MatchString(l):
			notRun = runbookNotRun.FindStringSubmatch(l)[1]
		case l == "```sh":
			var block []string
			for k++; k < len(lines) && lines[k] != "```"; k++ {
				block = append(block, lines[k])
			}
			switch {
			case inVars && !seenVars:
				for _, v := range block {
					if m := runbookVar.FindStringSubmatch(v); m != nil {
						p.vars = append(p.vars, m[1])
					}
				}
				seenVars = true
			case notRun != "":
				p.skipped = append(p.skipped, notRun+": "+strings.Join(block, "; "))
			default:
				script.WriteString(strings.Join(block, "\n") + "\n")
			}
			notRun = ""
		case strings.TrimSpace(l) != "":
			notRun = ""
		}
	}
	if !seenVars {
		t.Fatalf("%s has no ## Variables block", name)
	}
	p.script = script.String()
	return p
}

// runbookShims stand in for the host's service manager: a unit "coldtrace"
// is the node of $HOME_DIR, run in the background as testnet/network.sh runs
// it ($HOME_DIR.pid, $HOME_DIR.log); user and ownership commands do nothing.
const runbookShims = `
coldtrace() { "$CT_BIN" "$@"; }
ct_running() { [ -f "$HOME_DIR.pid" ] && kill -0 "$(cat "$HOME_DIR.pid")" 2>/dev/null; }
ct_stop() {
  if ct_running; then
    local pid; pid=$(cat "$HOME_DIR.pid"); kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$HOME_DIR.pid"
}
ct_start() {
  ct_running && return 0
  nohup "$CT_BIN" start --home "$HOME_DIR" >>"$HOME_DIR.log" 2>&1 </dev/null &
  echo $! >"$HOME_DIR.pid"
}
systemctl() {
  case "$1" in
    stop) ct_stop ;;
    start) ct_start ;;
    restart) ct_stop; ct_start ;;
    enable) [ "$2" = --now ] && ct_start; true ;;
    daemon-reload) ;;
    *) echo "systemctl $* is not stood in for" >&2; return 1 ;;
  esac
}
journalctl() { cat "$HOME_DIR.log"; }
useradd() { :; }
chown() { :; }
`

// TestRunbooks runs the commands of every page of docs/operations against
// four validators started as testnet/network.sh starts them, in the order
// an operator meets them: a fifth validator joins, node3's key is rotated,
// node2 is looked at and restarted, node1's disk dies and it is restored
// from its backup, the chain halts with two validators down and resumes,
// and an upgrade to a version this binary does not know stops every node at
// its height. Then the chain holds what the pages did.
func TestRunbooks(t *testing.T) {
	began := time.Now()
	bin := sharedBinary(t)
	t.Logf("binary built in %s", time.Since(began).Round(time.Millisecond))
	dir := filepath.Join(t.TempDir(), "net")
	base := freePortBase(t, 5)
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("coldtrace %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("testnet", "--validators", "4", "--output", dir, "--starting-port", fmt.Sprint(base),
		"--chain-id", "runbook-e2e", "--block-time", "200ms", "--snapshot-interval", "10")
	netsh := func(cmd string) {
		t.Helper()
		if out, err := exec.Command("./network.sh", cmd, dir, bin).CombinedOutput(); err != nil {
			t.Fatalf("network.sh %s: %v\n%s", cmd, err, out)
		}
	}
	netsh("start")
	t.Cleanup(func() { exec.Command("./network.sh", "stop", dir).Run() })
	tn, err := node.LoadTestnet(dir)
	if err != nil {
		t.Fatal(err)
	}
	home := func(i int) string { return filepath.Join(dir, fmt.Sprintf("node%d", i)) }
	nw := &network{t: t, bin: bin, dir: dir, tn: tn}
	nw.waitHeight(0, 2, 30*time.Second)
	reg := exec.Command(filepath.Join(dir, "register.sh"))
	reg.Env = append(os.Environ(), "COLDTRACE="+bin)
	if out, err := reg.CombinedOutput(); err != nil {
		t.Fatalf("register.sh: %v\n%s", err, out)
	}
	t.Logf("network up and registered at %s", time.Since(began).Round(time.Millisecond))
	var peers []string
	for _, n := range tn.Nodes {
		peers = append(peers, n.NodeID+"@"+n.P2P)
	}
	stop := func(i int) {
		t.Helper()
		b, err := os.ReadFile(home(i) + ".pid")
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		_ = syscall.Kill(pid, syscall.SIGTERM)
		for k := 0; k < 150 && syscall.Kill(pid, 0) == nil; k++ {
			time.Sleep(100 * time.Millisecond)
		}
		os.Remove(home(i) + ".pid")
	}
	backup := t.TempDir()
	tools := t.TempDir()
	next := fmt.Sprint(types.LatestRules + 1) // the version a release would add
	for _, tc := range []struct {
		page          string
		vars          map[string]string
		before, after func()
		expect        []string // in what the page's commands print
	}{
		{"join-validator.md", map[string]string{
			"HOME_DIR": home(4), "GENESIS": filepath.Join(home(0), "config", "genesis.json"), "PEERS": strings.Join(peers, ","),
			"PEER_RPC": tn.Nodes[0].RPC, "PEER_RPC2": tn.Nodes[1].RPC,
			"P2P_LADDR":     fmt.Sprintf("tcp://127.0.0.1:%d", base+40),
			"RPC_LADDR":     fmt.Sprintf("tcp://127.0.0.1:%d", base+41),
			"METRICS_LADDR": fmt.Sprintf("127.0.0.1:%d", base+42),
			"DIVISION":      "330400", "REGULATOR_NAME": "Jiaxing Market Supervision", "ROOT_HOME": home(0),
		}, nil, nil, []string{"state sync:     trusting block", "voting power 10"}},
		{"rotate-validator-key.md", map[string]string{"HOME_DIR": home(3), "DIVISION": "330300", "NAME": "wenzhou", "ROOT_HOME": home(0)}, nil, func() {
			old, _ := filepath.Glob(filepath.Join(home(3), "config", "priv_validator_key.json.*.old"))
			if len(old) != 1 {
				t.Fatalf("old key files: %v", old)
			}
			oldKey := strings.Split(filepath.Base(old[0]), ".")[2]
			if strings.Contains(run("status", "--home", home(0)), oldKey) {
				t.Fatalf("the old key %s… is still in the validator set", oldKey)
			}
		}, []string{"new key ", "operator 330300"}},
		{"node-behind.md", map[string]string{"HOME_DIR": home(2), "METRICS_LADDR": tn.Nodes[2].Metrics, "PEER_RPC": tn.Nodes[0].RPC}, nil, nil,
			[]string{"cometbft_consensus_height", "coldtrace_txindex_height", "within 2s of"}},
		{"restore-from-backup.md", map[string]string{"HOME_DIR": home(1), "BACKUP_DIR": backup, "PEER_RPC": tn.Nodes[0].RPC, "PEER_RPC2": tn.Nodes[2].RPC}, func() {
			nw.registerRegulators("330500")
		}, func() {
			// The restored validator reached the others' app hashes and signs again.
			target := nw.height(0) + 2
			nw.waitHeight(1, target, 30*time.Second)
			nw.sameAppHashes(target, 0, 1, 2)
			addr := validatorAddress(t, home(1))
			for h := target; ; h++ {
				nw.waitHeight(0, h+1, 10*time.Second)
				if signedBy(nw.block(0, h+1).Block.LastCommit, addr) {
					break
				}
				if h > target+10 {
					t.Fatalf("the restored validator signed none of the commits of heights %d to %d", target, h)
				}
			}
		}, []string{"copied from a kept snapshot", "restored height", "kept the home's priv_validator_state.json", "as recorded in the state"}},
		{"halted-chain.md", map[string]string{"PEER_RPC": tn.Nodes[0].RPC, "HOME_DIR": home(2)}, func() {
			// Two of five validators down: 30 of 50 votes, no quorum.
			stop(2)
			stop(4)
			h := nw.height(0)
			time.Sleep(2 * time.Second)
			if got := nw.height(0); got > h+1 {
				t.Fatalf("the chain went on from %d to %d with two of five validators down", h, got)
			}
		}, nil, []string{`"validator_address":"`, `"height/round/step":"`, `"prevotes_bit_array":"BA{5:`, `"txs_results":`}},
		{"upgrade-by-height.md", map[string]string{"ROOT_HOME": home(0), "HOME_DIR": home(0), "NEXT_VERSION": next, "UPGRADE_IN": "12"}, nil, func() {
			// Every running node stopped at the height, naming the version.
			for _, i := range []int{0, 1, 2, 3} {
				deadline := time.Now().Add(20 * time.Second)
				for !strings.Contains(tail(home(i)+".log", 400), "install a binary that knows v"+next) {
					if time.Now().After(deadline) {
						t.Fatalf("node%d did not stop at the upgrade height:\n%s", i, tail(home(i)+".log", 20))
					}
					time.Sleep(200 * time.Millisecond)
				}
			}
			// No block of the whole chain holds evidence of a double signature.
			for h := int64(1); h <= nw.height(0); h++ {
				if ev := nw.block(0, h).Block.Evidence.Evidence; len(ev) > 0 {
					t.Fatalf("block %d holds evidence: %v", h, ev)
				}
			}
		}, []string{"install a binary that knows v" + next, `"version": ` + next}},
	} {
		p := readRunbook(t, tc.page)
		var names []string
		for n := range tc.vars {
			names = append(names, n)
		}
		sort.Strings(names)
		sort.Strings(p.vars)
		if strings.Join(names, " ") != strings.Join(p.vars, " ") {
			t.Fatalf("%s sets variables %v; the test sets %v", tc.page, p.vars, names)
		}
		if tc.before != nil {
			b := time.Now()
			tc.before()
			t.Logf("%s: set up in %s", tc.page, time.Since(b).Round(time.Millisecond))
		}
		var script strings.Builder
		script.WriteString("set -e\n" + runbookShims)
		for _, n := range names {
			fmt.Fprintf(&script, "%s=%q\n", n, tc.vars[n])
		}
		script.WriteString("set -x\n" + p.script)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
		cmd.Dir = tools
		cmd.Env = append(os.Environ(), "CT_BIN="+bin, "COLDTRACE_PASSPHRASE=runbook test passphrase",
			"COLDTRACE_UNIT_DIR="+filepath.Join(tools, "units"))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\n%s\n--- end of %s.log:\n%s", tc.page, err, out.String(), tc.vars["HOME_DIR"], tail(tc.vars["HOME_DIR"]+".log", 20))
		}
		for _, e := range tc.expect {
			if !strings.Contains(out.String(), e) {
				t.Errorf("%s: the commands' output lacks %q", tc.page, e)
			}
		}
		t.Logf("%s: %d commands in %s", tc.page, strings.Count(p.script, "\n"), time.Since(start).Round(time.Millisecond))
		if tc.after != nil {
			a := time.Now()
			tc.after()
			t.Logf("%s: checked in %s", tc.page, time.Since(a).Round(time.Millisecond))
		}
		for _, s := range p.skipped {
			t.Logf("%s: not run: %s", tc.page, s)
		}
	}
}

func validatorAddress(t *testing.T, home string) string {
	t.Helper()
	pv := privval.LoadFilePVEmptyState(filepath.Join(home, "config", "priv_validator_key.json"), "")
	return pv.Key.Address.String()
}

func signedBy(c *cmttypes.Commit, addr string) bool {
	for _, s := range c.Signatures {
		if s.ValidatorAddress.String() == addr && len(s.Signature) > 0 {
			return true
		}
	}
	return false
}

// registerRegulators sends one registration per division, signed by the
// root regulator, and waits for each.
func (nw *network) registerRegulators(divs ...string) {
	nw.t.Helper()
	c, root := nw.client(0), nw.rootKey()
	for _, d := range divs {
		seed := sha256.Sum256([]byte("runbook test " + d))
		if _, err := c.Send(context.Background(), root, &types.MsgRegisterRegulator{
			Division: d, Name: "Regulator " + d, Keys: [][]byte{ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)},
		}); err != nil {
			nw.t.Fatal(err)
		}
	}
}
