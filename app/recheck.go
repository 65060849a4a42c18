package app

import (
	"bytes"
	"sort"
	"time"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// The mempool rechecks every pending tx after each block, against the new
// saved version plus the pending txs rechecked before it, so that a
// dispatch's receive sent before the dispatch is committed still finds the
// consignment. Running every pending tx's handlers again after every block
// cost about a tenth of a node's CPU (docs/PERFORMANCE.md). A recheck now
// replays what the tx wrote when it was last checked, without its handlers,
// when nothing it read can have changed since: no key it read was written
// by the block or by a pending tx that was run again, refused or dropped
// before it, or the key holds the value it read; the rules, the day and the
// tx's kind are such that its checks gave the same answer. Anything else is
// run in full, as before. The mempool's view is advisory (a block runs
// every tx in full), so a replay can never change state or a block.

// pendingTx is what a tx admitted to the mempool read from the mempool's
// view and wrote to it, the last time it was run.
type pendingTx struct {
	hash  [32]byte
	order uint64 // when it was first admitted: the mempool rechecks in this order
	round uint64 // the last recheck round that saw it
	gone  bool
	// replayable is false for a tx whose checks depend on more than what it
	// read, the rules and the day: a signed event time (judged by the last
	// block's time), a scan of a range, a height it names.
	replayable bool
	rules      types.RuleSet
	day        time.Time
	reads      map[string][]byte // the value of each key read from the view (nil: absent)
	keys       []string          // the keys written, sorted
	writes     map[string][]byte // nil: deleted
	size       int               // sizeOf, counted in pendingTxs.bytes
}

// maxPending bounds the records kept (the mempool holds 5,000 txs by
// default); past it every record is dropped and txs run in full.
const maxPending = 20_000

// maxPendingBytes bounds the memory of the values recorded: past it a new
// tx keeps only the keys it wrote (so that its leaving is noticed) and runs
// in full on recheck.
const maxPendingBytes = 64 << 20

// pendingTxs holds the records of the txs in the mempool, by tx hash, and
// what the current recheck round knows may have changed. Only the mempool's
// connection uses it (CheckTx, and Commit, which CometBFT runs with the
// mempool locked), apart from committed, which FinalizeBlock fills.
type pendingTxs struct {
	byHash map[[32]byte]*pendingTx
	order  []*pendingTx // ascending order; records of txs gone are removed at the next round
	next   uint64       // the next order
	round  uint64
	cursor int // position in order of the next record the round expects
	// dirty holds the keys whose value may differ from what the round's
	// remaining records read: written by the blocks since, or by pending
	// txs that were run again, refused or dropped.
	dirty map[string]struct{}
	// committed holds the hashes of the txs of the block being executed.
	committed [][32]byte
	bytes     int    // the size of the values and keys recorded
	maxBytes  int    // maxPendingBytes; tests lower it
	off       bool   // replay disabled: every recheck runs the tx in full
	replays   uint64 // rechecks answered by a replay
	overflows uint64 // txs recorded without values: past maxBytes
}

func newPendingTxs() *pendingTxs {
	return &pendingTxs{byHash: map[[32]byte]*pendingTx{}, dirty: map[string]struct{}{}, maxBytes: maxPendingBytes}
}

// reset forgets every record (a restored snapshot, a new genesis).
func (p *pendingTxs) reset() {
	p.byHash, p.order, p.cursor, p.bytes = map[[32]byte]*pendingTx{}, nil, 0, 0
	p.dirty, p.committed = map[string]struct{}{}, nil
}

// newRound starts the rechecks after a commit: written are the keys the
// block wrote. The records of the block's txs are dropped, their writes
// dirty like the block's.
func (p *pendingTxs) newRound(written map[string]struct{}) {
	p.round++
	p.cursor = 0
	p.dirty = written
	for _, h := range p.committed {
		if r := p.byHash[h]; r != nil {
			p.drop(r)
		}
	}
	p.committed = p.committed[:0]
	if len(p.byHash) > maxPending {
		p.reset()
		return
	}
	kept := p.order[:0]
	for _, r := range p.order {
		if !r.gone {
			kept = append(kept, r)
		}
	}
	clear(p.order[len(kept):])
	p.order = kept
}

// drop forgets a record whose writes leave the view: they are dirty.
func (p *pendingTxs) drop(r *pendingTx) {
	for _, k := range r.keys {
		p.dirty[k] = struct{}{}
	}
	delete(p.byHash, r.hash)
	r.gone = true
	p.bytes -= r.size
}

// sizeOf is what a record holds in memory, roughly.
func sizeOf(r *pendingTx) int {
	n := 0
	for k, v := range r.reads {
		n += len(k) + len(v)
	}
	for k, v := range r.writes {
		n += len(k) + len(v)
	}
	for _, k := range r.keys {
		n += len(k)
	}
	return n
}

// seen moves the round past the record of h and returns it (nil when there
// is none, or it is out of the mempool's order). Records before it that the
// round has not seen are of txs the mempool no longer holds: their writes
// are no longer in the view.
func (p *pendingTxs) seen(h [32]byte) *pendingTx {
	r := p.byHash[h]
	if r == nil {
		return nil
	}
	pos := sort.Search(len(p.order), func(i int) bool { return p.order[i].order >= r.order })
	if pos < p.cursor || pos >= len(p.order) || p.order[pos] != r {
		p.drop(r)
		return nil
	}
	for _, gone := range p.order[p.cursor:pos] {
		if !gone.gone && gone.round != p.round {
			p.drop(gone)
		}
	}
	p.cursor = pos + 1
	r.round = p.round
	return r
}

// replay applies r's writes to view when the tx would be admitted again
// with the same writes, and reports whether it did.
func (p *pendingTxs) replay(r *pendingTx, view state.KV, rules types.RuleSet, day time.Time) bool {
	if p.off || !r.replayable || r.rules != rules || !r.day.Equal(day) {
		return false
	}
	for k, old := range r.reads {
		if _, changed := p.dirty[k]; !changed {
			continue
		}
		now, err := view.Get([]byte(k))
		if err != nil || !bytes.Equal(now, old) || (now == nil) != (old == nil) {
			return false
		}
	}
	for _, k := range r.keys {
		var err error
		if v := r.writes[k]; v == nil {
			err = view.Delete([]byte(k))
		} else {
			err = view.Set([]byte(k), v)
		}
		if err != nil {
			return false
		}
	}
	p.replays++
	return true
}

// record keeps what a tx admitted to the view read and wrote. A tx run
// again keeps its place in the order; its earlier writes are dirty, since
// it may have written other values.
func (p *pendingTxs) record(h [32]byte, prev *pendingTx, log *viewLog, replayable, recheck bool, rules types.RuleSet, day time.Time) {
	if old := p.byHash[h]; old != nil && old != prev {
		p.drop(old) // the same tx admitted again after it was dropped
	}
	r := &pendingTx{hash: h, round: p.round, replayable: replayable && !log.ranged && !log.keysOnly, rules: rules, day: day, reads: log.reads, writes: log.writes}
	if !r.replayable {
		r.reads, r.writes = nil, nil // only the keys it wrote are needed
	}
	r.keys = make([]string, 0, len(log.writes))
	for k := range log.writes {
		r.keys = append(r.keys, k)
	}
	sort.Strings(r.keys)
	if prev != nil {
		p.bytes -= prev.size
	}
	if r.size = sizeOf(r); p.bytes+r.size > p.maxBytes {
		r.replayable, r.reads, r.writes = false, nil, nil
		r.size = sizeOf(r)
		p.overflows++
	}
	p.bytes += r.size
	if recheck {
		// Later records of the round read what it wrote before, if
		// anything. A new tx needs no such marks: CometBFT admits new txs
		// only after a round's rechecks, and the next round starts from
		// the block's writes.
		for _, k := range r.keys {
			p.dirty[k] = struct{}{}
		}
	}
	if prev != nil {
		for _, k := range prev.keys {
			p.dirty[k] = struct{}{}
		}
		r.order = prev.order
		*prev = *r
		p.byHash[h] = prev
		return
	}
	r.order = p.next
	p.next++
	p.byHash[h] = r
	p.order = append(p.order, r)
}

// maxReplayTxBytes is the largest tx whose reads and writes are recorded
// for replay. A tx of many codes (100 codes: about 10 KB) mostly follows one
// just committed and runs in full anyway, and recording its hundreds of
// reads cost more than the replays saved (docs/PERFORMANCE.md, "A replaying
// recheck"): a larger tx keeps only the keys it wrote.
const maxReplayTxBytes = 2 << 10

// viewLog is the mempool's view as one tx sees it: it remembers the value
// of each key the tx read from the view and what it wrote (with keysOnly,
// only the keys it wrote).
type viewLog struct {
	view     state.KV
	reads    map[string][]byte
	writes   map[string][]byte
	ranged   bool // the tx iterated a range: its reads are not all in reads
	keysOnly bool
}

func newViewLog(view state.KV, keysOnly bool) *viewLog {
	return &viewLog{view: view, reads: map[string][]byte{}, writes: map[string][]byte{}, keysOnly: keysOnly}
}

// Get keeps the value read as the view holds it: values in state are
// replaced, never changed in place, so it stays what the tx read.
func (l *viewLog) Get(key []byte) ([]byte, error) {
	v, err := l.view.Get(key)
	if l.keysOnly {
		return v, err
	}
	if _, ok := l.reads[string(key)]; !ok && err == nil {
		if _, wrote := l.writes[string(key)]; !wrote {
			l.reads[string(key)] = v
		}
	}
	return v, err
}

// Set keeps the view's own copy of the value (a Cache copies what it is
// given and returns that copy).
func (l *viewLog) Set(key, value []byte) error {
	if err := l.view.Set(key, value); err != nil {
		return err
	}
	if l.keysOnly {
		l.writes[string(key)] = nil
		return nil
	}
	v, err := l.view.Get(key)
	if v == nil {
		v = []byte{}
	}
	l.writes[string(key)] = v
	return err
}

func (l *viewLog) Delete(key []byte) error {
	l.writes[string(key)] = nil
	return l.view.Delete(key)
}

func (l *viewLog) Iterate(start, end []byte, fn func(key, value []byte) bool) error {
	l.ranged = true
	return l.view.Iterate(start, end, fn)
}
