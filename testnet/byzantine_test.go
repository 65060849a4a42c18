package testnet

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// envByzantine is node.EnvByzantine, which exists only in binaries built with
// -tags byzantine.
const envByzantine = "COLDTRACE_BYZANTINE"

// byzantineModes are the manglings the byzantine proposer applies in turn
// (node/byzantine_hook.go); every one must be tried and refused.
var byzantineModes = []string{"badsig", "nc-swap", "nc-repeat", "nc-varint", "nc-body", "oversize"}

// byzantineBinary builds cmd/coldtrace with the proposal-mangling hook.
func byzantineBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "coldtrace-byz")
	if out, err := exec.Command("go", "build", "-tags", "byzantine", "-o", bin, "../cmd/coldtrace").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags byzantine: %v\n%s", err, out)
	}
	return bin
}

// startWith runs node i from another binary, with extra environment.
func (nw *network) startWith(i int, bin string, env ...string) {
	nw.t.Helper()
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.procs[i] != nil {
		nw.t.Fatalf("node%d is running", i)
	}
	logf := nw.logs[i]
	if logf == nil {
		var err error
		logf, err = os.OpenFile(nw.logPath(i), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			nw.t.Fatal(err)
		}
		nw.logs[i] = logf
	}
	cmd := exec.Command(bin, "start", "--home", nw.home(i))
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		nw.t.Fatal(err)
	}
	nw.procs[i] = cmd
}

func (nw *network) logPath(i int) string { return filepath.Join(nw.dir, fmt.Sprintf("node%d.log", i)) }

// byzAttempt is one mangled proposal, as the byzantine node logged it.
type byzAttempt struct {
	height int64
	mode   string
	hash   string // upper-case hex of the mangled tx's sha256
	raw    []byte
}

var (
	reHeight = regexp.MustCompile(`\bheight=(\d+)`)
	reMode   = regexp.MustCompile(`\bmode=(\S+)`)
	reTx     = regexp.MustCompile(`\btx=([0-9A-F]+)`)
	reRaw    = regexp.MustCompile(`\braw=([0-9a-f]+)`)
)

// logLines returns the lines of node i's log that contain marker.
func (nw *network) logLines(i int, marker string) []string {
	nw.t.Helper()
	f, err := os.Open(nw.logPath(i))
	if err != nil {
		nw.t.Fatal(err)
	}
	defer f.Close()
	var out []string
	r := bufio.NewReader(f) // lines with a 64 KiB tx in hex: no Scanner
	for {
		line, err := r.ReadString('\n')
		if strings.Contains(line, marker) {
			out = append(out, line)
		}
		if err == io.EOF {
			return out
		}
		if err != nil {
			nw.t.Fatal(err)
		}
	}
}

func (nw *network) byzAttempts(i int) []byzAttempt {
	nw.t.Helper()
	var out []byzAttempt
	for _, line := range nw.logLines(i, "byzantine proposal") {
		h, m := reHeight.FindStringSubmatch(line), reMode.FindStringSubmatch(line)
		if h == nil || m == nil {
			nw.t.Fatalf("byzantine log line without height or mode: %.200s", line)
		}
		a := byzAttempt{mode: m[1]}
		a.height, _ = strconv.ParseInt(h[1], 10, 64)
		if tx, raw := reTx.FindStringSubmatch(line), reRaw.FindStringSubmatch(line); tx != nil && raw != nil {
			a.hash = tx[1]
			a.raw, _ = hex.DecodeString(raw[1])
		}
		out = append(out, a)
	}
	return out
}

// rejectedHeights are the heights at which node i's consensus logged that
// the app rejected a proposal (CometBFT then prevotes nil).
func (nw *network) rejectedHeights(i int) map[int64]bool {
	nw.t.Helper()
	out := map[int64]bool{}
	for _, line := range nw.logLines(i, "state machine rejected a proposed block") {
		if h := reHeight.FindStringSubmatch(line); h != nil {
			n, _ := strconv.ParseInt(h[1], 10, 64)
			out[n] = true
		}
	}
	return out
}

// checkDefect fails unless raw has exactly the defect its mode names: a
// proposal refused for any other reason would prove nothing.
func checkDefect(t *testing.T, a byzAttempt, lim types.Limits) {
	t.Helper()
	det := proto.MarshalOptions{Deterministic: true}
	var tx types.Tx
	if err := proto.Unmarshal(a.raw, &tx); err != nil {
		t.Fatalf("%s at %d: not a Tx: %v", a.mode, a.height, err)
	}
	canonical, _ := det.Marshal(&tx)
	var body types.TxBody
	if err := proto.Unmarshal(tx.BodyBytes, &body); err != nil {
		t.Fatalf("%s at %d: body: %v", a.mode, a.height, err)
	}
	canonicalBody, _ := det.Marshal(&body)
	outerOK, bodyOK := bytes.Equal(canonical, a.raw), bytes.Equal(canonicalBody, tx.BodyBytes)
	sigOK := ed25519.Verify(body.Signer, types.SignBytes(tx.BodyBytes), tx.Signature)
	switch a.mode {
	case "badsig":
		_, err := types.DecodeTx(a.raw, lim, true)
		fixed := proto.Clone(&tx).(*types.Tx)
		fixed.Signature[len(fixed.Signature)/2] ^= 0x01
		fixedRaw, _ := det.Marshal(fixed)
		if _, ferr := types.DecodeTx(fixedRaw, lim, true); !errors.Is(err, types.ErrBadSignature) || ferr != nil || !outerOK || !bodyOK {
			t.Fatalf("badsig at %d: decode %v, with the byte restored %v, canonical %v/%v", a.height, err, ferr, outerOK, bodyOK)
		}
	case "nc-swap", "nc-repeat", "nc-varint":
		if _, err := types.DecodeTx(canonical, lim, true); outerOK || !bodyOK || !sigOK || err != nil {
			t.Fatalf("%s at %d: outer canonical %v, body canonical %v, signature %v, canonical form decodes: %v", a.mode, a.height, outerOK, bodyOK, sigOK, err)
		}
	case "nc-body":
		// Its signature covers the non-canonical body; with the body made
		// canonical every other stateless check passes.
		fixedRaw, _ := det.Marshal(&types.Tx{BodyBytes: canonicalBody, Signature: tx.Signature})
		if _, err := types.DecodeTx(fixedRaw, lim, false); !outerOK || bodyOK || !sigOK || err != nil {
			t.Fatalf("nc-body at %d: outer canonical %v, body canonical %v, signature %v, canonical body decodes: %v", a.height, outerOK, bodyOK, sigOK, err)
		}
	case "oversize":
		big := lim
		big.MaxTxBytes = 4 << 20
		_, small := types.DecodeTx(a.raw, lim, true)
		if _, err := types.DecodeTx(a.raw, big, true); len(a.raw) <= lim.MaxTxBytes || !errors.Is(small, types.ErrTxTooLarge) || err != nil || !outerOK || !bodyOK {
			t.Fatalf("oversize at %d: %d bytes (limit %d): %v; under a larger limit: %v", a.height, len(a.raw), lim.MaxTxBytes, small, err)
		}
	default:
		t.Fatalf("unexpected mode %q at %d", a.mode, a.height)
	}
}

// TestByzantineProposer: four validators, node3 running the binary built
// with -tags byzantine and mangling every block it proposes — a tx with a
// flipped signature byte, a real tx re-encoded non-canonically (fields
// swapped, a field repeated, a non-minimal varint), a tx signed over a
// non-canonical body, a tx over max_tx_bytes — and voting for its own
// blocks. The three honest nodes run the product binary. Under a trace load
// the honest nodes reject every mangled proposal, the chain keeps
// committing, no committed block holds a mangled tx or was proposed by
// node3, and all four report the same block and app hash at every height.
// Then node3 restarts proposing more tx bytes than a block may hold: its own
// CometBFT refuses to build the block (its consensus stops) and the three
// others go on.
func TestByzantineProposer(t *testing.T) {
	product := sharedBinary(t)
	byz := byzantineBinary(t)
	for bin, want := range map[string]bool{product: false, byz: true} {
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(b, []byte(envByzantine)); got != want {
			t.Fatalf("%s holds the byzantine hook: %v, want %v", filepath.Base(bin), got, want)
		}
	}

	nw := &network{t: t, bin: product, dir: filepath.Join(t.TempDir(), "net"), procs: map[int]*exec.Cmd{}, logs: map[int]*os.File{}}
	base := freePortBase(t, 4)
	nw.cli("testnet", "--validators", "4", "--output", nw.dir, "--starting-port", fmt.Sprint(base),
		"--chain-id", "net-e2e", "--block-time", netBlockTime.String(), "--snapshot-interval", "-1")
	nw.reload()
	t.Cleanup(nw.stopAll)
	for i := 0; i < 3; i++ {
		nw.start(i)
	}
	nw.startWith(3, byz, envByzantine+"=badsig,noncanonical,oversize")
	nw.waitHeight(0, 2, 30*time.Second)
	st3, err := nw.status(3)
	if err != nil {
		t.Fatal(err)
	}
	byzAddr := st3.ValidatorInfo.Address

	var params types.Params
	res, err := nw.client(0).Query(context.Background(), "/params", 0, false)
	if err != nil || proto.Unmarshal(res.Value, &params) != nil {
		t.Fatalf("params: %v", err)
	}
	lim := types.Limits{ChainID: "net-e2e", MaxTxBytes: int(params.MaxTxBytes), MaxMsgsPerTx: int(params.MaxMsgsPerTx)}

	// Phase 1: a load of real txs, which node3 tampers with when it proposes,
	// until every mangling has been proposed at least twice.
	start := nw.height(0)
	lanes := nw.setupLanes(2)
	ld := nw.runLoad(lanes, []int{0, 1})
	defer ld.finish()
	deadline := time.Now().Add(60 * time.Second)
	for {
		seen := map[string]int{}
		for _, a := range nw.byzAttempts(3) {
			seen[a.mode]++
		}
		done := true
		for _, m := range byzantineModes {
			done = done && seen[m] >= 2
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node3 did not propose every mangling twice within 60 s: %v (height %d)", seen, nw.height(0))
		}
		time.Sleep(500 * time.Millisecond)
	}
	ld.finish()
	attempts := nw.byzAttempts(3)
	last := attempts[len(attempts)-1].height
	for i := 0; i < 4; i++ {
		nw.waitHeight(i, last+2, 20*time.Second) // the heights node3 tried are all committed
	}
	end := nw.height(0)
	if ld.ok.Load() < 6 {
		t.Fatalf("load: %d txs committed (%d failed, last: %v)", ld.ok.Load(), ld.failed.Load(), ld.lastErr)
	}

	mangled := map[string]string{}
	for _, a := range attempts {
		checkDefect(t, a, lim)
		mangled[a.hash] = a.mode
	}
	// Every honest node rejected node3's proposal at every height it
	// mangled one, and never rejected an honest proposal.
	for i := 0; i < 3; i++ {
		rejected := nw.rejectedHeights(i)
		tried := map[int64]bool{}
		for _, a := range attempts {
			tried[a.height] = true
			if !rejected[a.height] {
				t.Errorf("node%d did not reject node3's %s proposal at height %d", i, a.mode, a.height)
			}
		}
		for h := range rejected {
			if !tried[h] {
				t.Errorf("node%d rejected a proposal at height %d, where node3 mangled none", i, h)
			}
		}
	}
	cp, err := nw.client(0).RPC().ConsensusParams(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	maxBytes := cp.ConsensusParams.Block.MaxBytes
	nw.sameChain(1, end, []int{0, 1, 2, 3}, byzAddr, mangled, maxBytes)
	t.Logf("phase 1: heights %d-%d, %d mangled proposals rejected by all three honest nodes, %d txs committed (%d failed)",
		start, end, len(attempts), ld.ok.Load(), ld.failed.Load())

	// Phase 2: node3 proposes more than a block may hold. CometBFT checks
	// PrepareProposal's answer against MaxDataBytes on the proposer itself
	// and stops that node's consensus; the other three commit without it.
	nw.kill(3)
	nw.startWith(3, byz, envByzantine+"=overblock")
	var failedAt int64
	for deadline := time.Now().Add(30 * time.Second); failedAt == 0; {
		for _, line := range nw.logLines(3, "CONSENSUS FAILURE") {
			if !strings.Contains(line, "transaction data size exceeds maximum") {
				t.Fatalf("node3 failed for another reason: %.300s", line)
			}
			failedAt = nw.height(0)
		}
		if time.Now().After(deadline) {
			t.Fatal("node3 did not try an oversized block within 30 s")
		}
		time.Sleep(300 * time.Millisecond)
	}
	over := nw.byzAttempts(3)
	if a := over[len(over)-1]; a.mode != "overblock" {
		t.Fatalf("node3's last proposal: %+v", a)
	}
	nw.waitHeight(0, failedAt+6, 30*time.Second)
	h3 := nw.height(3)
	time.Sleep(time.Second)
	if h := nw.height(3); h != h3 {
		t.Fatalf("node3's consensus went on after its failure: %d -> %d", h3, h)
	}
	end2 := nw.height(2)
	nw.sameChain(end, end2, []int{0, 1, 2}, byzAddr, mangled, maxBytes)
	t.Logf("phase 2: node3 stopped at height %d trying an oversized block; honest nodes committed up to %d", h3, end2)
}

// sameChain checks heights from..to on the listed nodes: the same block
// hash and app hash everywhere, no block proposed by the byzantine node, no
// mangled tx, and no block over the consensus limit.
func (nw *network) sameChain(from, to int64, nodes []int, byzAddr cmtbytes.HexBytes, mangled map[string]string, maxBytes int64) {
	nw.t.Helper()
	for h := from; h <= to; h++ {
		var first []byte
		var firstApp []byte
		for k, i := range nodes {
			b := nw.block(i, h)
			if k == 0 {
				first, firstApp = b.BlockID.Hash, b.Block.Header.AppHash
				if bytes.Equal(b.Block.Header.ProposerAddress, byzAddr) {
					nw.t.Fatalf("height %d: committed a block proposed by the byzantine node", h)
				}
				if size := int64(b.Block.Size()); size > maxBytes {
					nw.t.Fatalf("height %d: committed a block of %d bytes, limit %d", h, size, maxBytes)
				}
				for _, tx := range b.Block.Txs {
					if mode, ok := mangled[fmt.Sprintf("%X", types.TxHash(tx))]; ok {
						nw.t.Fatalf("height %d: committed node3's %s tx", h, mode)
					}
				}
				continue
			}
			if !bytes.Equal(b.BlockID.Hash, first) || !bytes.Equal(b.Block.Header.AppHash, firstApp) {
				nw.t.Fatalf("height %d: node%d has block %X app hash %X, node%d %X %X", h, i,
					b.BlockID.Hash, b.Block.Header.AppHash, nodes[0], first, firstApp)
			}
		}
	}
}
