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
	"sort"
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
	from   string // "mempool": a real tx tampered with; "own": signed by node3
	hash   string // upper-case hex of the mangled tx's sha256
	raw    []byte
	bytes  int64 // overblock: the proposal's tx bytes, and the limit
	limit  int64
}

var (
	reHeight = regexp.MustCompile(`\bheight=(\d+)`)
	reMode   = regexp.MustCompile(`\bmode=(\S+)`)
	reTx     = regexp.MustCompile(`\btx=([0-9A-F]+)`)
	reRaw    = regexp.MustCompile(`\braw=([0-9a-f]+)`)
	reFrom   = regexp.MustCompile(`\bfrom=(\S+)`)
	reBytes  = regexp.MustCompile(`\bbytes=(\d+) limit=(\d+)`)
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
		if f := reFrom.FindStringSubmatch(line); f != nil {
			a.from = f[1]
		}
		if b := reBytes.FindStringSubmatch(line); b != nil {
			a.bytes, _ = strconv.ParseInt(b[1], 10, 64)
			a.limit, _ = strconv.ParseInt(b[2], 10, 64)
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
		_, err := types.DecodeTx(a.raw, lim, true)
		if _, cerr := types.DecodeTx(canonical, lim, true); outerOK || !bodyOK || !sigOK || !errors.Is(err, types.ErrNotCanonical) || cerr != nil {
			t.Fatalf("%s at %d: outer canonical %v, body canonical %v, signature %v, decodes: %v, canonical form decodes: %v", a.mode, a.height, outerOK, bodyOK, sigOK, err, cerr)
		}
	case "nc-body":
		// Its signature covers the non-canonical body; with the body made
		// canonical every other stateless check passes.
		fixedRaw, _ := det.Marshal(&types.Tx{BodyBytes: canonicalBody, Signature: tx.Signature})
		_, err := types.DecodeTx(a.raw, lim, true)
		if _, ferr := types.DecodeTx(fixedRaw, lim, false); !outerOK || bodyOK || !sigOK || !errors.Is(err, types.ErrNotCanonical) || ferr != nil {
			t.Fatalf("nc-body at %d: outer canonical %v, body canonical %v, signature %v, decodes: %v, canonical body decodes: %v", a.height, outerOK, bodyOK, sigOK, err, ferr)
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
// CometBFT refuses to build the block (its consensus or its process stops)
// and the three others go on.
func TestByzantineProposer(t *testing.T) {
	t0 := time.Now()
	product := sharedBinary(t)
	byz := byzantineBinary(t)
	built := time.Since(t0)
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
	// until every mangling has been proposed and at least one of them was a
	// real tx from node3's mempool.
	start, t1 := nw.height(0), time.Now()
	lanes := nw.setupLanes(2)
	ld := nw.runLoad(lanes, []int{0, 1})
	defer ld.finish()
	deadline := time.Now().Add(60 * time.Second)
	for {
		seen := map[string]int{}
		for _, a := range nw.byzAttempts(3) {
			seen[a.mode]++
			if a.from == "mempool" {
				seen["from mempool"]++
			}
		}
		done := seen["from mempool"] > 0
		for _, m := range byzantineModes {
			done = done && seen[m] > 0
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node3 did not propose every mangling within 60 s: %v (height %d)", seen, nw.height(0))
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
	fromMempool := 0
	for _, a := range attempts {
		checkDefect(t, a, lim)
		mangled[a.hash] = a.mode
		if a.from == "mempool" {
			fromMempool++
		}
	}
	// The load keeps node3's mempool busy: some mangled txs must be real
	// ones tampered with, as a relaying proposer would.
	if fromMempool == 0 {
		t.Fatalf("none of node3's %d mangled txs was a real tx from its mempool", len(attempts))
	}
	// The honest nodes rejected node3's proposal at every height it mangled
	// one, and never rejected an honest proposal. A node that reaches a
	// height late (2 cores, four nodes and a load) may skip to a later round
	// without judging round 0's proposal: two of three must have judged it.
	tried := map[int64]bool{}
	for _, a := range attempts {
		tried[a.height] = true
	}
	rejectedBy := map[int64]int{}
	for i := 0; i < 3; i++ {
		rejected := nw.rejectedHeights(i)
		if len(rejected) == 0 {
			t.Errorf("node%d rejected no proposal", i)
		}
		for h := range rejected {
			rejectedBy[h]++
			if !tried[h] {
				t.Errorf("node%d rejected a proposal at height %d, where node3 mangled none", i, h)
			}
		}
	}
	for _, a := range attempts {
		if rejectedBy[a.height] < 2 {
			t.Errorf("node3's %s proposal at height %d: rejected by %d honest nodes", a.mode, a.height, rejectedBy[a.height])
		}
	}
	cp, err := nw.client(0).RPC().ConsensusParams(context.Background(), &end)
	if err != nil {
		t.Fatal(err)
	}
	maxBytes := cp.ConsensusParams.Block.MaxBytes
	nw.sameChain(1, end, []int{0, 1, 2, 3}, byzAddr, mangled, maxBytes)
	// Each height node3 tried was committed in a later round, by another
	// proposer; what a byzantine turn costs is the time that round took.
	var slow, normal []time.Duration
	for h := start + 1; h < end; h++ { // block end+1 may not exist yet
		b, next := nw.block(0, h), nw.block(0, h+1)
		gap := next.Block.Time.Sub(b.Block.Time) // a header's time is when the height before it committed
		if tried[h] {
			if next.Block.LastCommit.Round == 0 {
				t.Fatalf("height %d, where node3 proposed a mangled block, was committed in round 0", h)
			}
			slow = append(slow, gap)
		} else if next.Block.LastCommit.Round == 0 {
			normal = append(normal, gap)
		}
	}
	t.Logf("binaries built in %s; phase 1 in %s: heights %d-%d, %d mangled proposals (%d of them real txs), %d txs committed (%d failed, last: %v); median block interval %s, %s at heights node3 mangled",
		built.Round(time.Second), time.Since(t1).Round(time.Second), start, end, len(attempts), fromMempool, ld.ok.Load(), ld.failed.Load(), ld.lastErr,
		median(normal), median(slow))
	t2 := time.Now()

	// Phase 2: node3 proposes more than a block may hold. CometBFT checks
	// PrepareProposal's answer against MaxDataBytes on the proposer itself
	// and panics: inside the consensus routine it stops that node's
	// consensus (CONSENSUS FAILURE); when node3 is the proposer of the round
	// it replays from its WAL at start, the panic ends the process. Either
	// way the other three commit without it.
	nw.kill(3)
	nw.startWith(3, byz, envByzantine+"=overblock")
	var failedAt int64
	var failure string
	for deadline := time.Now().Add(45 * time.Second); failedAt == 0; {
		if lines := nw.logLines(3, "transaction data size exceeds maximum"); len(lines) > 0 {
			failure, failedAt = lines[0], nw.height(0)
			break
		}
		if time.Now().After(deadline) {
			st, err := nw.status(3)
			t.Fatalf("node3 did not try an oversized block within 45 s (node0 at %d; node3: %v %v)", nw.height(0), st, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	how := "its consensus stopped"
	switch {
	case strings.HasPrefix(failure, "panic: "):
		how = "its process ended"
	case !strings.Contains(failure, "CONSENSUS FAILURE"):
		t.Fatalf("node3's refusal of the oversized block: %.300s", failure)
	}
	over := nw.byzAttempts(3)
	if a := over[len(over)-1]; a.mode != "overblock" || a.bytes <= a.limit || a.limit <= 0 {
		t.Fatalf("node3's last proposal: %s of %d tx bytes, limit %d", a.mode, a.bytes, a.limit)
	}
	nw.waitHeight(0, failedAt+6, 30*time.Second)
	h3 := int64(-1)
	if st, err := nw.status(3); err == nil {
		if how != "its consensus stopped" {
			t.Fatalf("node3 answers after %s", how)
		}
		h3 = st.SyncInfo.LatestBlockHeight
		time.Sleep(time.Second)
		if h := nw.height(3); h != h3 {
			t.Fatalf("node3's consensus went on after its failure: %d -> %d", h3, h)
		}
		if h3 > end {
			nw.sameChain(end, h3, []int{0, 3}, byzAddr, mangled, maxBytes)
		}
	}
	end2 := nw.height(2)
	nw.sameChain(end, end2, []int{0, 1, 2}, byzAddr, mangled, maxBytes)
	t.Logf("phase 2 in %s: node3's CometBFT refused its oversized block and %s (at height %d); honest nodes committed %d-%d",
		time.Since(t2).Round(time.Second), how, h3, failedAt, end2)
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

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2].Round(10 * time.Millisecond)
}
