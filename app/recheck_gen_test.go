package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
)

// streamMempool plays CometBFT's mempool with the txs of a recorded chain,
// submitted in their order as clients would, against two apps started from
// the chain's genesis: one replaying rechecks (recheck.go), one running
// every recheck in full. Blocks commit parts of the pool at times of their
// own (a day boundary now and then), other nodes' txs arrive in blocks
// first, txs leave the pool unseen and come back, refused ones are retried;
// the apps must give the same answer to every check and reach the same app
// hash at every height.
type streamMempool struct {
	t       *testing.T
	rnd     *rand.Rand
	apps    [2]*App // replaying, running in full
	stream  []streamTx
	next    int // the next stream tx to submit
	pool    []streamTx
	retry   []streamTx // refused or dropped: submitted again after a block
	height  int64
	now     time.Time
	checks  int
	admits  int
	recheck int
}

type streamTx struct {
	raw   []byte
	at    time.Time // the time of the block that first held it
	tries int
}

func newStreamMempool(t *testing.T, seed uint64, genesis []byte, blocks []goldenRecord) *streamMempool {
	t.Helper()
	m := &streamMempool{t: t, rnd: rand.New(rand.NewPCG(seed, 0x5EED))}
	for i := range m.apps {
		a := NewInMemory()
		t.Cleanup(func() { a.Close() })
		if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, InitialHeight: 1, AppStateBytes: genesis}); err != nil {
			t.Fatal(err)
		}
		m.apps[i] = a
	}
	m.apps[1].pending.off = true
	for _, b := range blocks {
		for _, tx := range b.Txs {
			m.stream = append(m.stream, streamTx{raw: tx, at: b.Time})
		}
	}
	if len(blocks) > 0 {
		m.now = blocks[0].Time.Add(-time.Second)
	}
	return m
}

func (m *streamMempool) check(tx streamTx, typ abci.CheckTxType) uint32 {
	m.t.Helper()
	m.checks++
	var res [2]*abci.ResponseCheckTx
	for i, a := range m.apps {
		var err error
		if res[i], err = a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: tx.raw, Type: typ}); err != nil {
			m.t.Fatalf("CheckTx: %v", err)
		}
	}
	if res[0].Code != res[1].Code || !bytes.Equal(res[0].Data, res[1].Data) {
		m.t.Fatalf("height %d (%s), check %d (%s) of a tx of the block at %s:\nreplaying app answered %d %q,\nrunning app %d %q",
			m.height, m.now.Format(time.RFC3339), m.checks, typ, tx.at.Format(time.RFC3339), res[0].Code, res[0].Log, res[1].Code, res[1].Log)
	}
	return res[0].Code
}

func (m *streamMempool) submit(tx streamTx) {
	if m.check(tx, abci.CheckTxType_New) == 0 {
		m.admits++
		m.pool = append(m.pool, tx)
		return
	}
	if tx.tries++; tx.tries < 3 {
		m.retry = append(m.retry, tx)
	}
}

// block commits part of the pool, and maybe stream txs not yet submitted
// (proposed by another node), then rechecks the rest of the pool in order.
func (m *streamMempool) block() {
	var txs [][]byte
	in := map[string]bool{}
	take := m.rnd.IntN(len(m.pool) + 1)
	latest := m.now
	for _, tx := range m.pool[:take] {
		if m.rnd.IntN(8) != 0 {
			txs = append(txs, tx.raw)
			in[string(tx.raw)] = true
			if tx.at.After(latest) {
				latest = tx.at
			}
		}
	}
	if m.next < len(m.stream) && m.rnd.IntN(6) == 0 {
		txs = append(txs, m.stream[m.next].raw)
		m.next++
	}
	// Time moves on by a second to a day, sometimes to just past China's
	// midnight, and never falls behind the recorded times of what it holds.
	step := []time.Duration{time.Second, time.Second, 5 * time.Second, time.Minute, time.Hour, 25 * time.Hour}[m.rnd.IntN(6)]
	at := m.now.Add(step)
	if m.rnd.IntN(8) == 0 {
		day := at.In(chinaTZ).Truncate(time.Hour)
		for day.In(chinaTZ).Hour() != 0 {
			day = day.Add(time.Hour)
		}
		at = day.Add(time.Duration(m.rnd.IntN(3)) * time.Second)
	}
	if latest.After(at) {
		at = latest
	}
	m.now = at.UTC()
	m.height++
	var hashes [2][]byte
	for i, a := range m.apps {
		res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: m.height, Time: m.now, Txs: txs})
		if err != nil {
			m.t.Fatal(err)
		}
		hashes[i] = res.AppHash
		if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
			m.t.Fatal(err)
		}
	}
	if !bytes.Equal(hashes[0], hashes[1]) {
		m.t.Fatalf("height %d: app hashes differ", m.height)
	}
	var kept []streamTx
	for _, tx := range m.pool {
		switch {
		case in[string(tx.raw)]:
		case m.rnd.IntN(30) == 0: // left the pool unseen
			m.retry = append(m.retry, tx)
		default:
			m.recheck++
			if m.check(tx, abci.CheckTxType_Recheck) == 0 {
				kept = append(kept, tx)
			}
		}
	}
	m.pool = kept
	retry := m.retry
	m.retry = nil
	for _, tx := range retry {
		m.submit(tx)
	}
}

// run submits the whole stream in bursts, a block after each, then
// empties the pool.
func (m *streamMempool) run() {
	for m.next < len(m.stream) {
		for n := 1 + m.rnd.IntN(10); n > 0 && m.next < len(m.stream); n-- {
			m.next++
			m.submit(m.stream[m.next-1])
		}
		m.block()
	}
	for range 5 {
		m.block()
	}
}

var chinaTZ = time.FixedZone("CST", 8*3600)

// TestRecheckReplayRecordedChains: over the golden v2 chains (a lifecycle
// scenario of every supervision step, and blocks of every message type the
// generator made, with times jumping to year 9999), a replaying mempool
// admits exactly what one running every recheck does.
func TestRecheckReplayRecordedChains(t *testing.T) {
	b, err := os.ReadFile(goldenV2File)
	if err != nil {
		t.Fatal(err)
	}
	g := &goldenV2{}
	if err := json.Unmarshal(b, g); err != nil {
		t.Fatal(err)
	}
	var replays uint64
	var rechecks int
	for _, ch := range g.Chains {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s-%d", ch.Name, seed), func(t *testing.T) {
				m := newStreamMempool(t, seed, ch.Genesis, ch.Blocks)
				m.run()
				replays += m.apps[0].pending.replays
				rechecks += m.recheck
				t.Logf("%d checks, %d admitted, %d rechecks, %d replayed", m.checks, m.admits, m.recheck, m.apps[0].pending.replays)
			})
		}
	}
	if replays < 50 {
		t.Fatalf("%d of %d rechecks replayed: the comparison means little", replays, rechecks)
	}
}
