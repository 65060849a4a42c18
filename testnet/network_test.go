package testnet

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	cmttypes "github.com/cometbft/cometbft/types"
	ics23 "github.com/cosmos/ics23/go"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// Networks of real `coldtrace start` processes on loopback, made with
// `coldtrace testnet`, with 200 ms blocks.
const netBlockTime = 200 * time.Millisecond

// sameAppHashes waits until every listed node has block h+1 and checks that
// they all report the same app hash after height h (in header h+1) and the
// same block hash at h.
func (nw *network) sameAppHashes(h int64, nodes ...int) []byte {
	nw.t.Helper()
	var appHash, blockHash []byte
	for k, i := range nodes {
		nw.waitHeight(i, h+1, 30*time.Second)
		next, b := nw.block(i, h+1), nw.block(i, h)
		if k == 0 {
			appHash, blockHash = next.Block.Header.AppHash, b.BlockID.Hash
			continue
		}
		if !bytes.Equal(next.Block.Header.AppHash, appHash) || !bytes.Equal(b.BlockID.Hash, blockHash) {
			nw.t.Fatalf("height %d: node%d has app hash %X block %X, node%d %X %X", h, i,
				next.Block.Header.AppHash, b.BlockID.Hash, nodes[0], appHash, blockHash)
		}
	}
	return appHash
}

// TestValidatorCrashAndCatchUp: four validators under a mixed trace load;
// one is SIGKILLed mid-load and the others keep committing; restarted, it
// catches up, and every node reports the same app hash at the same height
// and answers the same proven queries identically.
func TestValidatorCrashAndCatchUp(t *testing.T) {
	nw := newNetwork(t, 4, 0, netBlockTime, -1)
	lanes := nw.setupLanes(3)
	ld := nw.runLoad(lanes, []int{0, 1, 2})
	defer ld.finish()

	waitOK := func(n int64, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for ld.ok.Load() < n {
			if time.Now().After(deadline) {
				ld.mu.Lock()
				defer ld.mu.Unlock()
				t.Fatalf("load: %d txs committed, want %d within %s (%d failed, last: %v)", ld.ok.Load(), n, within, ld.failed.Load(), ld.lastErr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitOK(12, 30*time.Second)

	nw.kill(3)
	killedAt, okAtKill := nw.height(0), ld.ok.Load()
	nw.waitHeight(0, killedAt+8, 30*time.Second)
	waitOK(okAtKill+9, 30*time.Second) // the load goes on without node3
	if _, err := nw.status(3); err == nil {
		t.Fatal("node3 still answers after SIGKILL")
	}

	nw.start(3)
	target := nw.height(0)
	nw.waitHeight(3, target, 40*time.Second)
	waitOK(ld.ok.Load()+6, 30*time.Second)
	ld.finish()
	if f := ld.failed.Load(); f > 0 {
		t.Logf("load: %d txs committed, %d failed (last: %v)", ld.ok.Load(), f, ld.lastErr)
	}

	h := nw.height(0)
	nw.sameAppHashes(h, 0, 1, 2, 3)
	code := url.QueryEscape(laneCode(0, 0, 1))
	rec := nw.sameQuery(h, "/trace/code?code="+code, 0, 1, 2, 3)
	var cr types.CodeRecord
	if err := proto.Unmarshal(rec, &cr); err != nil || cr.HeldBy(lanes[0].marketU) != 15_000 {
		t.Fatalf("code record on every node: %v (%v)", &cr, err)
	}
	nw.sameQuery(h, "/registry/enterprise/"+lanes[2].impU, 0, 1, 2, 3)
	nw.sameQuery(killedAt+2, "/trace/code?code="+code, 0, 3) // a height node3 missed and replayed
	t.Logf("%d txs committed; node3 killed at height %d, caught up to %d; compared at %d", ld.ok.Load(), killedAt, target, h)
}

// TestQuorumLossHaltsAndResumes: with two of four validators (half the
// power) stopped the chain halts without forking, a tx waits in the
// mempool; restarting one of them resumes the chain and commits the tx.
func TestQuorumLossHaltsAndResumes(t *testing.T) {
	nw := newNetwork(t, 4, 0, netBlockTime, -1)
	nw.waitHeight(0, 4, 20*time.Second)
	nw.kill(2)
	nw.kill(3)
	time.Sleep(2 * time.Second) // a block with their votes already in may still commit
	h0, h1 := nw.height(0), nw.height(1)

	// A tx accepted by the mempool during the halt.
	root := nw.rootKey()
	c := nw.client(0)
	acct, err := c.Account(context.Background(), pub(root))
	if err != nil {
		t.Fatal(err)
	}
	uscc := mkUSCC("91330100MA2HALTQ0")
	raw, err := client.SignTx(root, "net-e2e", acct.Sequence, "", regEnterpriseMsg(uscc, "330100", pub(testKey("halt"))))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.RPC().BroadcastTxSync(context.Background(), raw); err != nil || res.Code != 0 {
		t.Fatalf("broadcast during the halt: %v %v", res, err)
	}

	time.Sleep(3 * time.Second)
	if a, b := nw.height(0), nw.height(1); max(a, b) != max(h0, h1) {
		t.Fatalf("the chain went on without a quorum: node0 %d -> %d, node1 %d -> %d", h0, a, h1, b)
	}
	common := min(h0, h1)
	if b0, b1 := nw.block(0, common), nw.block(1, common); !bytes.Equal(b0.BlockID.Hash, b1.BlockID.Hash) {
		t.Fatalf("fork at height %d: %X / %X", common, b0.BlockID.Hash, b1.BlockID.Hash)
	}

	nw.start(2)
	nw.waitHeight(0, max(h0, h1)+3, 40*time.Second)
	nw.waitHeight(2, max(h0, h1)+3, 40*time.Second)
	tx, err := c.RPC().Tx(context.Background(), types.TxHash(raw), false)
	for deadline := time.Now().Add(10 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		tx, err = c.RPC().Tx(context.Background(), types.TxHash(raw), false)
	}
	if err != nil || tx.TxResult.Code != 0 || tx.Height <= common {
		t.Fatalf("tx sent during the halt: %v %v", tx, err)
	}
	h := nw.height(0)
	nw.sameAppHashes(h, 0, 1, 2)
	nw.sameQuery(h, "/registry/enterprise/"+uscc, 0, 1, 2)
	t.Logf("halted at %d/%d; resumed; tx committed at %d; compared at %d", h0, h1, tx.Height, h)
}

// TestStateSyncJoin: a fifth node, added with `coldtrace testnet add-node
// --state-sync`, restores a snapshot instead of replaying the chain, then
// block-syncs, and serves the same proven answers as the validators,
// verified against the app hash of the headers.
func TestStateSyncJoin(t *testing.T) {
	nw := newNetwork(t, 4, 1, netBlockTime, 10)
	lanes := nw.setupLanes(1)
	c := nw.client(0)
	l := lanes[0]
	if _, err := c.Send(context.Background(), l.imp, &types.MsgCommission{Batch: "SS-1", Facts: laneFacts(), Codes: []*types.NewCode{
		{Code: "(01)09521234543213(10)SS-1(21)0001", Quantity: 20_000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS},
	}}); err != nil {
		t.Fatal(err)
	}
	nw.waitHeight(0, 24, 40*time.Second) // snapshot at 20, and the headers after it

	out := nw.cli("testnet", "add-node", "--output", nw.dir, "--state-sync")
	if !strings.Contains(out, "state sync: true") {
		t.Fatalf("add-node: %s", out)
	}
	nw.reload()
	joined := len(nw.tn.Nodes) - 1
	nw.start(joined)
	nw.waitHeight(joined, nw.height(0), 50*time.Second)

	st, err := nw.status(joined)
	if err != nil {
		t.Fatal(err)
	}
	if st.SyncInfo.EarliestBlockHeight < 20 || st.ValidatorInfo.VotingPower != 0 {
		t.Fatalf("joined node: earliest block %d (want a snapshot height >= 20), power %d", st.SyncInfo.EarliestBlockHeight, st.ValidatorInfo.VotingPower)
	}
	// It holds no state older than its snapshot: it did not replay the chain.
	if _, err := nw.client(joined).Query(context.Background(), "/params", 5, false); err == nil {
		t.Fatal("the state-synced node answers at height 5")
	}

	// Compare at a height the joined node holds with the block after it: its
	// store starts just above the snapshot it restored.
	nw.waitHeight(joined, st.SyncInfo.EarliestBlockHeight+2, 30*time.Second)
	h := nw.height(joined) - 1
	appHash := nw.sameAppHashes(h, 0, joined)
	for _, path := range []string{"/registry/enterprise/" + l.impU, "/trace/code?code=" + url.QueryEscape("/01/09521234543213/10/SS-1/21/0001"), "/validators"} {
		nw.sameQuery(h, path, 0, joined)
	}
	// Verify a single-record answer of the joined node against the header's app hash.
	res, err := nw.client(joined).Query(context.Background(), "/registry/enterprise/"+l.impU, h, true)
	if err != nil {
		t.Fatal(err)
	}
	op := res.ProofOps.Ops[0]
	var proof ics23.CommitmentProof
	if err := proof.Unmarshal(op.Data); err != nil {
		t.Fatal(err)
	}
	if !state.VerifyProof(appHash, &proof, state.EnterpriseKey(l.impU), res.Value) {
		t.Fatalf("proof of the joined node does not verify against app hash %X", appHash)
	}
	// The operator's log says how long the restore took, and how much of it
	// the rebuild added after the last chunk.
	logged, err := os.ReadFile(filepath.Join(nw.dir, fmt.Sprintf("node%d.log", joined)))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`snapshot restored .*chunks=\d+ seconds=\d+\.\d\d after_last_chunk_seconds=\d+\.\d\d`).Match(logged) {
		t.Fatalf("the joined node's log does not say how long the rebuild took:\n%s", clip(string(logged), 4000))
	}
	t.Logf("joined from a snapshot: earliest block %d; compared at %d", st.SyncInfo.EarliestBlockHeight, h)
}

// TestValidatorSetChange: the root regulator re-weights one validator and
// removes another by transaction (the real CLI); CometBFT's set follows two
// blocks later, the removed node keeps following the chain as a full node
// and stops signing; added back, it signs again.
func TestValidatorSetChange(t *testing.T) {
	nw := newNetwork(t, 4, 0, netBlockTime, -1)
	home0 := nw.home(0)
	node1Key, node3Key := nw.tn.Nodes[1].ValidatorKey, nw.tn.Nodes[3].ValidatorKey
	st3, err := nw.status(3)
	if err != nil {
		t.Fatal(err)
	}
	addr3 := st3.ValidatorInfo.Address

	out := nw.cli("tx", "validator", "set", node1Key, "20", "--operator", "330000", "--name", "node1", "--from", "regulator", "--home", home0)
	if !strings.Contains(out, "committed at height") {
		t.Fatalf("re-weight: %s", out)
	}
	out = nw.cli("tx", "validator", "set", node3Key, "0", "--operator", "330000", "--from", "regulator", "--home", home0)
	removedAt := committedHeight(t, out)

	nw.waitHeight(0, removedAt+7, 20*time.Second)
	vals := nw.cometValidators(0, removedAt+3)
	if len(vals) != 3 || vals[node1Key] != 20 || vals[node3Key] != 0 {
		t.Fatalf("validators at %d: %v", removedAt+3, vals)
	}
	// node3 keeps following the chain, with no power, and signs no block.
	nw.waitHeight(3, removedAt+6, 20*time.Second)
	if st, _ := nw.status(3); st == nil || st.ValidatorInfo.VotingPower != 0 {
		t.Fatalf("node3 status: %+v", st)
	}
	for h := removedAt + 3; h <= removedAt+6; h++ {
		if signed(nw.block(0, h+1).Block.LastCommit.Signatures, addr3) {
			t.Fatalf("node3 signed block %d after its removal", h)
		}
	}
	// The recorded set says the same.
	var list types.ValidatorList
	if _, err := nw.client(0).QueryInto(context.Background(), "/validators", &list); err != nil || len(list.Validators) != 3 {
		t.Fatalf("/validators: %v %v", &list, err)
	}

	// Added back with power 5, it signs again.
	out = nw.cli("tx", "validator", "set", node3Key, "5", "--operator", "330000", "--name", "node3 again", "--from", "regulator", "--home", home0)
	addedAt := committedHeight(t, out)
	nw.waitHeight(0, addedAt+8, 20*time.Second)
	if vals := nw.cometValidators(0, addedAt+3); vals[node3Key] != 5 || len(vals) != 4 {
		t.Fatalf("validators after adding node3 back: %v", vals)
	}
	n := 0
	for h := addedAt + 3; h <= addedAt+7; h++ {
		if signed(nw.block(0, h+1).Block.LastCommit.Signatures, addr3) {
			n++
		}
	}
	if n == 0 {
		t.Fatal("node3 signed none of the blocks after it was added back")
	}
	t.Logf("removed at %d, added back at %d; node3 signed %d of 5 blocks after", removedAt, addedAt, n)

	// A client trusting only the genesis validators verifies an answer from
	// after both changes: the light-client rules follow the set as it changed.
	ctx := context.Background()
	trust, err := client.LoadGenesisTrust(filepath.Join(home0, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	headers, err := nw.client(0).NewHeaders(ctx, trust)
	if err != nil {
		t.Fatal(err)
	}
	v, err := nw.client(0).VerifiedQuery(ctx, "/validators", headers)
	if err != nil {
		t.Fatalf("verified query across the validator set changes: %v", err)
	}
	if v.Height <= addedAt || len(v.Header.ValidatorSet.Validators) != 4 {
		t.Fatalf("verified at height %d with %d validators", v.Height, len(v.Header.ValidatorSet.Validators))
	}
	b, err := client.NewBundle(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(); err != nil {
		t.Fatalf("offline verification across the changes: %v", err)
	}
}

// cometValidators is CometBFT's validator set at height h: hex key → power.
func (nw *network) cometValidators(i int, h int64) map[string]int64 {
	nw.t.Helper()
	page, per := 1, 100
	res, err := nw.client(i).RPC().Validators(context.Background(), &h, &page, &per)
	if err != nil {
		nw.t.Fatalf("validators at %d: %v", h, err)
	}
	out := map[string]int64{}
	for _, v := range res.Validators {
		out[hex.EncodeToString(v.PubKey.Bytes())] = v.VotingPower
	}
	return out
}

func signed(sigs []cmttypes.CommitSig, addr cmtbytes.HexBytes) bool {
	for _, s := range sigs {
		if bytes.Equal(s.ValidatorAddress, addr) && len(s.Signature) > 0 {
			return true
		}
	}
	return false
}

func committedHeight(t *testing.T, out string) int64 {
	t.Helper()
	var h int64
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, "committed at height "); i >= 0 {
			if _, err := fmt.Sscanf(line[i:], "committed at height %d", &h); err == nil {
				return h
			}
		}
	}
	t.Fatalf("no height in %q", out)
	return 0
}
