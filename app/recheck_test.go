package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// mempoolSim plays CometBFT's mempool against two apps built alike, one
// replaying rechecks (recheck.go) and one running every recheck in full,
// and fails at the first admission on which they differ.
type mempoolSim struct {
	t        *testing.T
	rnd      *rand.Rand
	replay   *testChain
	full     *testChain
	pool     []simTx
	seq      map[string]uint64 // the client's next sequence per key
	codes    map[string][]string
	cons     map[string][][]byte // consignments sent to each buyer, not yet received
	day      int64
	nextCode int
	checks   int
	rechecks int
}

type simTx struct {
	raw []byte
	key ed25519.PrivateKey
	seq uint64
}

var simParties = []struct {
	key   ed25519.PrivateKey
	uscc  string
	buyer string
}{{kImp, importerUSCC, marketUSCC}, {kMarket, marketUSCC, shopUSCC}, {kShop, shopUSCC, ""}}

// check admits a tx on both apps and compares the answers.
func (s *mempoolSim) check(raw []byte, typ abci.CheckTxType, what string) uint32 {
	s.t.Helper()
	s.checks++
	a, _ := s.replay.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: typ})
	b, _ := s.full.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: typ})
	if a.Code != b.Code || !bytes.Equal(a.Data, b.Data) {
		s.t.Fatalf("check %d (%s): replaying app answered %d %q, running app %d %q", s.checks, what, a.Code, a.Log, b.Code, b.Log)
	}
	return a.Code
}

func (s *mempoolSim) recheck(raw []byte) uint32 {
	s.rechecks++
	return s.check(raw, abci.CheckTxType_Recheck, "recheck")
}

// send has a party sign and submit its next message.
func (s *mempoolSim) send() {
	p := simParties[s.rnd.IntN(len(simParties))]
	us := p.uscc
	var msg proto.Message
	switch pick := s.rnd.IntN(10); {
	case us == importerUSCC && (pick < 3 || len(s.codes[us]) == 0):
		m := &types.MsgCommission{Batch: "B2023"}
		if s.nextCode == 0 {
			m.Facts = shrimpFacts()
		}
		for range 1 + s.rnd.IntN(3) {
			code := benchCode(s.nextCode)
			s.nextCode++
			m.Codes = append(m.Codes, &types.NewCode{Code: code, Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
			s.codes[us] = append(s.codes[us], code)
		}
		msg = m
	case pick < 4 && len(s.cons[us]) > 0:
		i := s.rnd.IntN(len(s.cons[us]))
		msg = &types.MsgReceive{Consignment: s.cons[us][i]}
		s.cons[us] = append(s.cons[us][:i], s.cons[us][i+1:]...)
	case len(s.codes[us]) == 0:
		return
	default:
		// Goods a party holds, or held once (a stale view: refused alike).
		i := s.rnd.IntN(len(s.codes[us]))
		item := []*types.CodeQuantity{{Code: s.codes[us][i], Quantity: 1000}}
		if p.buyer == "" || pick >= 8 {
			msg = &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: item}
		} else {
			msg = &types.MsgDispatch{Buyer: p.buyer, Items: item}
		}
	}
	k := string(pub(p.key))
	raw := signTx(s.t, p.key, testChainID, s.seq[k], msg)
	if s.check(raw, abci.CheckTxType_New, fmt.Sprintf("new %T", msg)) != 0 {
		return
	}
	s.seq[k]++
	s.pool = append(s.pool, simTx{raw: raw, key: p.key, seq: s.seq[k] - 1})
	switch m := msg.(type) {
	case *types.MsgDispatch:
		s.cons[m.Buyer] = append(s.cons[m.Buyer], ConsignmentID(types.TxHash(raw), 0))
		s.codes[m.Buyer] = append(s.codes[m.Buyer], m.Items[0].Code)
	}
}

// block commits a proposal made of the pool's txs in order, some left out,
// then updates the pool as CometBFT does: the block's txs leave it, some
// txs are dropped unseen, the rest are rechecked in order.
func (s *mempoolSim) block() {
	var txs [][]byte
	n := s.rnd.IntN(len(s.pool) + 1)
	for _, tx := range s.pool[:n] {
		if s.rnd.IntN(12) != 0 {
			txs = append(txs, tx.raw)
		}
	}
	if s.rnd.IntN(8) == 0 {
		s.day++ // a block on the next day
	}
	for _, c := range []*testChain{s.replay, s.full} {
		c.height++
		res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{
			Height: c.height, Time: time.Unix(1_700_000_000+c.height+s.day*86_400, 0).UTC(), Txs: txs})
		if err != nil {
			s.t.Fatal(err)
		}
		_ = res
		if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			s.t.Fatal(err)
		}
	}
	if !bytes.Equal(s.replay.appHash(), s.full.appHash()) {
		s.t.Fatal("app hashes differ")
	}
	inBlock := map[string]bool{}
	for _, tx := range txs {
		inBlock[string(tx)] = true
	}
	var kept []simTx
	for _, tx := range s.pool {
		switch {
		case inBlock[string(tx.raw)]:
		case s.rnd.IntN(20) == 0: // dropped without a recheck
		case s.recheck(tx.raw) == 0:
			kept = append(kept, tx)
		}
	}
	s.pool = kept
	// The client learns its next sequence from the chain and its pool.
	for _, p := range simParties {
		k := string(pub(p.key))
		s.seq[k] = accountSeq(s.t, s.replay.app, p.key)
		for _, tx := range s.pool {
			if bytes.Equal(pub(tx.key), pub(p.key)) && tx.seq >= s.seq[k] {
				s.seq[k] = tx.seq + 1
			}
		}
	}
}

// TestRecheckReplayAdmitsAsRunning: a mempool's rechecks that replay
// recorded writes admit and refuse exactly the txs that running every
// handler again does, over random traffic with dependent txs (a dispatch
// and its receive in flight together), proposals that leave txs out,
// txs dropped unseen and days that change.
func TestRecheckReplayAdmitsAsRunning(t *testing.T) {
	var rechecks int
	var replays uint64
	for seed := range uint64(14) {
		s := &mempoolSim{t: t, rnd: rand.New(rand.NewPCG(seed, 7)), replay: traceChain(t), full: traceChain(t),
			seq: map[string]uint64{}, codes: map[string][]string{}, cons: map[string][][]byte{}}
		s.full.app.pending.off = true
		if seed >= 12 {
			// Memory for a few records only: the others keep their keys
			// and run in full.
			s.replay.app.pending.maxBytes = 8 << 10
		}
		for _, p := range simParties {
			s.seq[string(pub(p.key))] = accountSeq(t, s.replay.app, p.key)
		}
		for range 60 {
			for range s.rnd.IntN(25) {
				s.send()
			}
			s.block()
		}
		if seed >= 12 && s.replay.app.pending.overflows == 0 {
			t.Fatal("no record went over the memory budget")
		}
		if s.full.app.pending.replays != 0 {
			t.Fatalf("the app that runs every recheck replayed %d", s.full.app.pending.replays)
		}
		rechecks += s.rechecks
		replays += s.replay.app.pending.replays
	}
	// Both paths must have been taken often for the comparison to mean anything.
	if replays < 200 || replays+200 > uint64(rechecks) {
		t.Fatalf("replayed %d of %d rechecks", replays, rechecks)
	}
	t.Logf("%d rechecks, %d replayed", rechecks, replays)
}

// TestRecheckBesideBlocks: in a node, CheckTx runs on the mempool's
// connection while FinalizeBlock runs on the consensus one; only Commit
// and the rechecks after it hold the mempool's lock. Run it with -race.
func TestRecheckBesideBlocks(t *testing.T) {
	c := traceChain(t)
	var mempool sync.Mutex // CometBFT's mempool lock
	var pool [][]byte
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		seq := accountSeq(t, c.app, kImp)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			raw := signTx(t, kImp, testChainID, seq, &types.MsgCommission{Batch: "B2023", Facts: shrimpFacts(),
				Codes: []*types.NewCode{{Code: benchCode(1000 + i), Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}})
			mempool.Lock()
			res, _ := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
			if res.Code == 0 {
				seq++
				pool = append(pool, raw)
			} else {
				seq = accountSeq(t, c.app, kImp) + uint64(len(pool))
			}
			mempool.Unlock()
		}
	}()
	for range 40 {
		var txs [][]byte
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			mempool.Lock()
			n := len(pool)
			txs = append([][]byte(nil), pool[:n/2]...)
			mempool.Unlock()
			if n >= 4 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the mempool holds %d txs after 10 s", n)
			}
		}
		c.height++
		// FinalizeBlock does not hold the mempool's lock.
		if _, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: c.height, Time: time.Unix(1_700_000_000+c.height, 0).UTC(), Txs: txs}); err != nil {
			t.Fatal(err)
		}
		mempool.Lock()
		if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
		var kept [][]byte
		for _, raw := range pool[len(txs):] {
			if res, _ := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_Recheck}); res.Code == 0 {
				kept = append(kept, raw)
			}
		}
		pool = kept
		mempool.Unlock()
	}
	close(stop)
	<-done
	if c.app.pending.replays == 0 {
		t.Fatal("no recheck replayed")
	}
}

// TestRecheckOffRecordsBounded: with `[mempool] recheck = false` CometBFT
// never rechecks, so a pending tx's record is dropped only when a block
// holds it; txs that never reach a block (the view forgets them at each
// commit, and their clients sign again) must not grow the records without
// bound.
func TestRecheckOffRecordsBounded(t *testing.T) {
	c := traceChain(t)
	n, resets := 0, 0
	for round := 0; round < 22; round++ {
		seq := accountSeq(t, c.app, kImp)
		for i := 0; i < 1000; i++ {
			n++
			raw := signTx(t, kImp, testChainID, seq, &types.MsgCommission{Batch: "B2023", Facts: shrimpFacts(),
				Codes: []*types.NewCode{{Code: benchCode(n), Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS}}})
			if res, _ := c.app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New}); res.Code != 0 {
				t.Fatalf("check: %d %s", res.Code, res.Log)
			}
			seq++
		}
		before := len(c.app.pending.byHash)
		c.mustBlock() // no tx of the pool, no recheck after it
		if len(c.app.pending.byHash) < before {
			resets++
		}
		if got := len(c.app.pending.byHash); got > maxPending+1000 || len(c.app.pending.order) > maxPending+1000 {
			t.Fatalf("round %d: %d records, %d in order, after %d admitted txs", round, got, len(c.app.pending.order), n)
		}
		if c.app.pending.bytes > c.app.pending.maxBytes {
			t.Fatalf("round %d: %d bytes recorded", round, c.app.pending.bytes)
		}
	}
	if resets == 0 {
		t.Fatalf("%d records kept after %d admitted txs", len(c.app.pending.byHash), n)
	}
}
