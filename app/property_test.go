package app

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"maps"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// TestPropertyConservation drives the trace handlers with seeded random
// operations, valid and invalid, over five enterprises and a handful of
// codes. Every tx runs in its own block on app A, so that each refusal can
// be checked to change nothing but its signer's sequence; a twin app B
// replays exactly A's blocks and must reach the same app hash; an app C
// runs the same txs grouped into the generated blocks of 1-8 txs and must
// give every tx the same result and end in the same state up to heights.
// After every block of A and of C the quantity identity, the history hash
// chains and the cross-record invariants (indexes, transit, units, splits)
// hold. The split invariant sums in big integers, so it also catches the
// uint64 wrap of split quantities (see TestTraceRegressions).
func TestPropertyConservation(t *testing.T) {
	seeds := [][2]uint64{{1, 2}, {0xC01D, 0x7ACE}, {20231114, 42}}
	total := map[string]*[2]int{}
	for _, s := range seeds {
		t.Run(fmt.Sprintf("seed-%d-%d", s[0], s[1]), func(t *testing.T) {
			p := newPropRun(t, s)
			for g := 0; g < 60; g++ {
				p.group(1 + p.rng.IntN(8))
			}
			p.compareGrouped()
			ok, refused := 0, 0
			var summary []string
			for _, op := range slices.Sorted(maps.Keys(p.stats)) {
				st := p.stats[op]
				ok, refused = ok+st[0], refused+st[1]
				summary = append(summary, fmt.Sprintf("%s %d/%d", op, st[0], st[0]+st[1]))
				if total[op] == nil {
					total[op] = &[2]int{}
				}
				total[op][0] += st[0]
				total[op][1] += st[1]
			}
			t.Logf("accepted/sent: %s", strings.Join(summary, ", "))
			if ok < 50 || refused < 50 {
				t.Fatalf("%d txs accepted and %d refused: the generator is too one-sided", ok, refused)
			}
		})
	}
	for _, op := range []string{"commission", "dispatch", "receive", "sell", "split", "aggregate", "disaggregate", "sensor", "correct", "multi"} {
		if st := total[op]; st == nil || st[0] == 0 || st[1] == 0 {
			t.Errorf("%s: accepted/refused %v; every kind of operation must both succeed and fail", op, st)
		}
	}
}

type propEnt struct {
	key  ed25519.PrivateKey
	uscc string
}

type propCon struct {
	id            []byte
	sender, buyer string
	carrier       string
	items         []*types.CodeQuantity
	open          bool
}

type propTx struct {
	op   string
	raw  []byte
	code uint32
}

type propRun struct {
	t       *testing.T
	rng     *rand.Rand
	c       *testChain // A: one tx per block
	twin    *App       // B: A's blocks
	grouped *App       // C: the generated blocks
	gh      int64      // C's height
	seq     map[string]uint64
	ents    []propEnt
	byUSCC  map[string]propEnt
	codes   []string // non-unit codes known to exist
	units   []string // the SSCC pool
	cons    []*propCon
	stats   map[string]*[2]int
	serial  int
}

func newPropRun(t *testing.T, seed [2]uint64) *propRun {
	p := &propRun{
		t: t, rng: rand.New(rand.NewPCG(seed[0], seed[1])),
		c: newTestChain(t), twin: newTestChain(t).app, grouped: newTestChain(t).app,
		seq: map[string]uint64{}, byUSCC: map[string]propEnt{}, stats: map[string]*[2]int{},
		units: []string{unitSSCC, sscc("10614141123456790"), sscc("10614141123456791")},
	}
	for _, e := range []propEnt{{kImp, importerUSCC}, {kMarket, marketUSCC}, {kShop, shopUSCC}, {kDiner, dinerUSCC}, {kCold, coldUSCC}} {
		p.ents = append(p.ents, e)
		p.byUSCC[e.uscc] = e
	}
	sign := func(k ed25519.PrivateKey, m proto.Message) []byte {
		s := p.seq[string(pub(k))]
		p.seq[string(pub(k))] = s + 1
		return signTx(t, k, testChainID, s, m)
	}
	setup := [][][]byte{
		{sign(kRoot, regRegulator(cityDiv, "Hangzhou", kCity)), sign(kRoot, regRegulator(otherCityDiv, "Ningbo", kNingbo))},
		{
			sign(kCity, regRegulator(districtDiv, "Xihu", kDistrict)),
			sign(kDistrict, regEnterprise(importerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_IMPORTER, kImp)),
			sign(kCity, regEnterprise(suspendedUSCC, cityDiv, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, kSusp)),
		},
		{
			sign(kCity, &types.MsgSuspendEnterprise{Uscc: suspendedUSCC, Reason: "licence expired"}),
			sign(kDistrict, regEnterprise(marketUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, kMarket)),
			sign(kDistrict, regEnterprise(shopUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_SUPERMARKET, kShop)),
			sign(kDistrict, regEnterprise(dinerUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_RESTAURANT, kDiner)),
			sign(kDistrict, regEnterprise(coldUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_COLD_STORE, kCold)),
		},
	}
	for _, txs := range setup {
		p.c.mustBlock(txs...)
		finalize(t, p.twin, p.c.height, txs)
		p.gh++
		finalize(t, p.grouped, p.gh, txs)
	}
	if !bytes.Equal(p.c.appHash(), p.twin.tree.Hash()) || !bytes.Equal(p.c.appHash(), p.grouped.tree.Hash()) {
		t.Fatal("the three apps differ after the setup")
	}
	return p
}

// group generates n txs, runs each in its own block on A and B, then all
// of them as one block on C, and checks C's results and invariants.
func (p *propRun) group(n int) {
	t := p.t
	var txs []propTx
	for i := 0; i < n; i++ {
		txs = append(txs, p.step())
	}
	raws := make([][]byte, len(txs))
	for i, tx := range txs {
		raws[i] = tx.raw
	}
	p.gh++
	res := finalize(t, p.grouped, p.gh, raws)
	for i, tx := range txs {
		// A correction names an event by hash, and hashes cover heights,
		// so C does not hold the event A's correction names.
		if tx.op != "correct" && res.TxResults[i].Code != tx.code {
			t.Fatalf("height %d: tx %d (%s) has code %d in a block of %d, code %d alone (%s)",
				p.gh, i, tx.op, res.TxResults[i].Code, len(txs), tx.code, res.TxResults[i].Log)
		}
	}
	if len(p.codes) > 0 {
		checkConserved(t, p.grouped)
	}
	checkInvariants(t, p.grouped)
}

// step generates one tx, runs it on A and B, checks it and learns from it.
func (p *propRun) step() propTx {
	t, c := p.t, p.c
	op, signer, msgs := p.generate()
	var raw []byte
	mode := "ok"
	if signer == nil {
		raw = make([]byte, 1+p.rng.IntN(64))
		for i := range raw {
			raw[i] = byte(p.rng.Uint32())
		}
		mode = "garbage"
	} else {
		seq := p.seq[string(pub(signer))]
		switch r := p.rng.IntN(100); {
		case r < 4:
			mode = "sequence"
			if seq > 0 && r%2 == 0 {
				seq--
			} else {
				seq += 1 + uint64(p.rng.IntN(3))
			}
		case r < 5:
			mode = "chain"
		}
		chain := testChainID
		if mode == "chain" {
			chain = "coldtrace-other"
		}
		raw = signTx(t, signer, chain, seq, msgs...)
	}

	// An empty block first takes the time-triggered checks that fall due,
	// so that what the tx's block changes is the tx's doing.
	c.height++
	finalize(t, c.app, c.height, nil)
	finalize(t, p.twin, c.height, nil)
	before := c.height
	c.height++
	blk := finalize(t, c.app, c.height, [][]byte{raw})
	res := blk.TxResults[0]
	if got := finalize(t, p.twin, c.height, [][]byte{raw}).AppHash; !bytes.Equal(got, blk.AppHash) || !bytes.Equal(got, c.appHash()) {
		t.Fatalf("height %d: twin app hash %X, A %X", c.height, got, c.appHash())
	}
	if res.Code == types.ErrInternal.Code {
		t.Fatalf("height %d: %s: internal error: %s", c.height, op, res.Log)
	}
	switch mode {
	case "garbage":
		if res.Code == 0 {
			t.Fatalf("height %d: random bytes accepted", c.height)
		}
	case "sequence":
		// Refused, by the sequence check or an earlier stateless one.
		if res.Code == 0 {
			t.Fatalf("height %d: a tx with a wrong sequence was accepted", c.height)
		}
	case "chain":
		if res.Code != types.ErrWrongChainID.Code {
			t.Fatalf("height %d: wrong chain: code %d (%s)", c.height, res.Code, res.Log)
		}
	}
	if mode != "ok" {
		op = map[string]string{"garbage": "garbage", "sequence": "wrong sequence", "chain": "wrong chain"}[mode]
	}
	st := p.stats[op]
	if st == nil {
		st = &[2]int{}
		p.stats[op] = st
	}
	if res.Code == 0 {
		st[0]++
		if len(res.Events) == 0 {
			t.Fatalf("height %d: %s accepted without events", c.height, op)
		}
		if got := accountSeq(t, c.app, signer); got != p.seq[string(pub(signer))]+1 {
			t.Fatalf("height %d: accepted %s left sequence %d", c.height, op, got)
		}
		p.learn(res.Events, msgs)
	} else {
		st[1]++
		if len(res.Events) != 0 {
			t.Fatalf("height %d: refused %s emitted events", c.height, op)
		}
		signerPub := make([]byte, ed25519.PublicKeySize)
		if signer != nil && mode == "ok" {
			signerPub = pub(signer) // only a correctly signed tx consumes its sequence
		}
		if len(blk.Events) > 0 {
			t.Logf("height %d: time-triggered checks ran in the block of a refused tx; its effects are not isolated", c.height)
		} else if msg := onlySequenceConsumed(dumpAt(t, c.app, before), dumpAt(t, c.app, c.height), signerPub); msg != "" {
			t.Fatalf("height %d: refused %s (code %d: %s): %s", c.height, op, res.Code, res.Log, msg)
		}
	}
	if signer != nil {
		p.seq[string(pub(signer))] = accountSeq(t, c.app, signer)
	}
	if len(p.codes) > 0 { // checkConserved wants at least one code
		checkConserved(t, c.app)
	}
	checkInvariants(t, c.app)
	return propTx{op: op, raw: raw, code: res.Code}
}

// learn records the codes and consignments an accepted tx created.
func (p *propRun) learn(events []abci.Event, msgs []proto.Message) {
	for _, e := range events {
		for _, a := range e.Attributes {
			switch {
			case e.Type == "issued_code" && a.Key == "code":
				p.codes = append(p.codes, a.Value)
			case e.Type == "dispatch" && a.Key == "consignment":
				id, _ := hex.DecodeString(a.Value)
				con, err := snapshotState(p.t, p.c.app).Consignment(id)
				if err != nil || con == nil {
					p.t.Fatalf("consignment %s: %v", a.Value, err)
				}
				p.cons = append(p.cons, &propCon{id: id, sender: con.Sender, buyer: con.Buyer, carrier: con.Carrier, items: con.Items, open: true})
			case e.Type == "receive" && a.Key == "consignment":
				for _, con := range p.cons {
					if hex.EncodeToString(con.id) == a.Value {
						con.open = false
					}
				}
			}
		}
	}
	for _, m := range msgs {
		var named []string
		switch m := m.(type) {
		case *types.MsgCommission:
			for _, nc := range m.Codes {
				named = append(named, nc.Code)
			}
		case *types.MsgSplit:
			for _, nc := range m.Children {
				named = append(named, nc.Code)
			}
		}
		for _, s := range named {
			if s != "" {
				canon, _ := types.ValidateCodeString("code", s)
				p.codes = append(p.codes, canon)
			}
		}
	}
}

var propOps = []struct {
	name   string
	weight int
}{
	{"commission", 13}, {"dispatch", 18}, {"receive", 14}, {"sell", 9}, {"split", 8},
	{"aggregate", 8}, {"disaggregate", 6}, {"sensor", 8}, {"correct", 5}, {"multi", 4}, {"garbage", 3},
}

// generate picks an operation; signer is nil for garbage bytes.
func (p *propRun) generate() (string, ed25519.PrivateKey, []proto.Message) {
	total := 0
	for _, o := range propOps {
		total += o.weight
	}
	r := p.rng.IntN(total)
	op := ""
	for _, o := range propOps {
		if r < o.weight {
			op = o.name
			break
		}
		r -= o.weight
	}
	if len(p.codes) == 0 && op != "garbage" {
		op = "commission"
	}
	if op == "receive" && p.rng.IntN(5) > 0 {
		open := false
		for _, c := range p.cons {
			open = open || c.open
		}
		if !open {
			op = "dispatch"
		}
	}
	switch op {
	case "commission":
		k, m := p.commission(nil)
		return op, k, []proto.Message{m}
	case "dispatch":
		k, m := p.dispatch(nil)
		return op, k, []proto.Message{m}
	case "receive":
		k, m := p.receive()
		return op, k, []proto.Message{m}
	case "sell":
		k, m := p.sell()
		return op, k, []proto.Message{m}
	case "split":
		k, m := p.split()
		return op, k, []proto.Message{m}
	case "aggregate":
		k, m := p.aggregate()
		return op, k, []proto.Message{m}
	case "disaggregate":
		k, m := p.disaggregate()
		return op, k, []proto.Message{m}
	case "sensor":
		k, m := p.sensor()
		return op, k, []proto.Message{m}
	case "correct":
		k, m := p.correct()
		return op, k, []proto.Message{m}
	case "multi":
		e := p.ents[p.rng.IntN(2)] // the importer or the market
		_, m1 := p.commission(&e)
		_, m2 := p.dispatch(&e)
		if p.rng.IntN(2) == 0 {
			return op, e.key, []proto.Message{m2, m1}
		}
		return op, e.key, []proto.Message{m1, m2}
	}
	return "garbage", nil, nil
}

func (p *propRun) ent() propEnt { return p.ents[p.rng.IntN(len(p.ents))] }

func (p *propRun) rec(code string) *types.CodeRecord { return record(p.t, p.c.app, code) }

// holderOf picks, mostly, an enterprise that holds some of the code.
func (p *propRun) holderOf(r *types.CodeRecord) propEnt {
	if r != nil && len(r.Holdings) > 0 && p.rng.IntN(10) < 9 {
		return p.byUSCC[r.Holdings[p.rng.IntN(len(r.Holdings))].Holder]
	}
	return p.ent()
}

// held lists the codes (units too when units) e holds.
func (p *propRun) held(e propEnt, units bool) []string {
	var out []string
	all := p.codes
	if units {
		all = append(append([]string{}, p.codes...), p.units...)
	}
	for _, code := range all {
		if r := p.rec(code); r != nil && r.HeldBy(e.uscc) > 0 {
			out = append(out, code)
		}
	}
	return out
}

// pick chooses a signer and a code: usually a holder and a code it holds.
func (p *propRun) pick(forced *propEnt, units bool) (propEnt, string, *types.CodeRecord) {
	if forced != nil {
		if hs := p.held(*forced, units); len(hs) > 0 && p.rng.IntN(10) < 9 {
			code := hs[p.rng.IntN(len(hs))]
			return *forced, code, p.rec(code)
		}
		code := p.codes[p.rng.IntN(len(p.codes))]
		return *forced, code, p.rec(code)
	}
	code := p.codes[p.rng.IntN(len(p.codes))]
	if units && p.rng.IntN(5) == 0 {
		code = p.units[p.rng.IntN(len(p.units))]
	}
	r := p.rec(code)
	return p.holderOf(r), code, r
}

// quantity is mostly within what is held, sometimes all of it, sometimes more.
func (p *propRun) quantity(held uint64) uint64 {
	if held == 0 {
		return 1 + p.rng.Uint64N(500)
	}
	switch p.rng.IntN(10) {
	case 0:
		return held + 1 + p.rng.Uint64N(100)
	case 1, 2:
		return held
	}
	return 1 + p.rng.Uint64N(held)
}

func propFacts(batch string) *types.ProductFacts {
	if batch == batchOld {
		return oldFacts()
	}
	return testFacts()
}

func (p *propRun) commission(forced *propEnt) (ed25519.PrivateKey, *types.MsgCommission) {
	var key ed25519.PrivateKey
	switch r := p.rng.IntN(20); {
	case forced != nil:
		key = forced.key
	case r == 0:
		key = kShop // not allowed to commission
	case r == 1:
		key = kDistrict // a regulator
	case r < 6:
		key = kMarket
	default:
		key = kImp
	}
	batch := []string{"B1", "B2", "B1", "B2", "B1", "B2", "B1", "B2", "B1", batchOld}[p.rng.IntN(10)]
	m := &types.MsgCommission{Batch: batch}
	switch r := p.rng.IntN(20); {
	case r < 13:
		m.Facts = propFacts(batch)
	case r == 13:
		m.Facts = propFacts(batch)
		m.Facts.Supplier = "someone else"
	}
	for i := 0; i < 1+p.rng.IntN(3); i++ {
		nc := grams("", 1+p.rng.Uint64N(5000))
		r := p.rng.IntN(40)
		if forced != nil && r < 24 {
			r = 0 // in a multi-message tx, mostly native codes
		}
		switch {
		case r < 12: // native
		case r == 12:
			nc.Code = "/01/" + gtin + "/10/B9/21/1" // batch differs from the message's
		case r == 13:
			nc.Quantity = 0
		default:
			nc.Code = fmt.Sprintf("/01/%s/10/%s/21/%d", gtin, batch, 1+p.rng.IntN(5))
		}
		m.Codes = append(m.Codes, nc)
	}
	return key, m
}

func (p *propRun) buyer(sender string) string {
	switch r := p.rng.IntN(100); {
	case r < 3:
		return sender
	case r < 6:
		return suspendedUSCC
	case r < 9:
		return unregisteredUSCC
	}
	for {
		if e := p.ent(); e.uscc != sender {
			return e.uscc
		}
	}
}

func (p *propRun) dispatch(forced *propEnt) (ed25519.PrivateKey, *types.MsgDispatch) {
	e, code, r := p.pick(forced, true)
	var held uint64
	if r != nil {
		held = r.HeldBy(e.uscc)
	}
	m := &types.MsgDispatch{Buyer: p.buyer(e.uscc), Items: []*types.CodeQuantity{cq(code, p.quantity(held))}}
	if p.rng.IntN(6) == 0 {
		if hs := p.held(e, false); len(hs) > 0 {
			c2 := hs[p.rng.IntN(len(hs))]
			m.Items = append(m.Items, cq(c2, p.quantity(p.rec(c2).HeldBy(e.uscc))))
		}
	}
	if p.rng.IntN(5) == 0 {
		m.Carrier = p.ent().uscc
	}
	return e.key, m
}

func (p *propRun) receive() (ed25519.PrivateKey, *types.MsgReceive) {
	var open []*propCon
	for _, c := range p.cons {
		if c.open {
			open = append(open, c)
		}
	}
	var con *propCon
	switch {
	case len(open) > 0 && p.rng.IntN(20) < 19:
		con = open[p.rng.IntN(len(open))]
	case len(p.cons) > 0:
		con = p.cons[p.rng.IntN(len(p.cons))]
	default:
		id := make([]byte, 32)
		for i := range id {
			id[i] = byte(p.rng.Uint32())
		}
		return p.ent().key, &types.MsgReceive{Consignment: id}
	}
	e := p.byUSCC[con.buyer]
	if p.rng.IntN(8) == 0 {
		e = p.ent()
	}
	m := &types.MsgReceive{Consignment: con.id}
	for _, it := range con.items {
		q := it.Quantity
		switch p.rng.IntN(10) {
		case 0:
			continue // not received at all
		case 1:
			q++
		case 2, 3:
			q = p.rng.Uint64N(q + 1)
		}
		if q > 0 {
			m.Received = append(m.Received, cq(it.Code, q))
		}
	}
	if p.rng.IntN(20) == 0 {
		m.Received = append(m.Received, cq(p.codes[p.rng.IntN(len(p.codes))], 1))
	}
	return e.key, m
}

func (p *propRun) sell() (ed25519.PrivateKey, *types.MsgSell) {
	e, code, r := p.pick(nil, p.rng.IntN(10) == 0)
	var held uint64
	if r != nil {
		held = r.HeldBy(e.uscc)
	}
	m := &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{cq(code, p.quantity(held))}}
	if p.rng.IntN(2) == 0 {
		m.Kind = types.SaleKind_SALE_KIND_CONSUMED
	}
	switch p.rng.IntN(12) {
	case 0:
		m.BusinessBuyer = p.buyer(e.uscc)
	case 1:
		m.Kind = types.SaleKind_SALE_KIND_UNSPECIFIED
	}
	return e.key, m
}

func (p *propRun) split() (ed25519.PrivateKey, *types.MsgSplit) {
	e, code, r := p.pick(nil, p.rng.IntN(20) == 0)
	var held uint64
	batch := "B1"
	if r != nil {
		held = r.HeldBy(e.uscc)
		if i := strings.LastIndexByte(r.BatchId, '/'); i >= 0 {
			batch = r.BatchId[i+1:]
		}
	}
	n := 1 + p.rng.IntN(3)
	m := &types.MsgSplit{Parent: code}
	for i := 0; i < n; i++ {
		q := p.quantity(held / uint64(n))
		ch := &types.NewCode{Quantity: q}
		switch r := p.rng.IntN(20); {
		case r < 3:
			p.serial++
			ch.Code = fmt.Sprintf("/01/%s/10/%s/21/S%d", gtin, batch, p.serial)
		case r == 3:
			ch.Code = p.codes[p.rng.IntN(len(p.codes))] // exists
		case r == 4:
			ch.Unit = types.QuantityUnit_QUANTITY_UNIT_PIECES
		}
		m.Children = append(m.Children, ch)
	}
	return e.key, m
}

// unitsWhere lists the pool's units whose record (nil if unused) satisfies ok.
func (p *propRun) unitsWhere(ok func(*types.CodeRecord) bool) []string {
	var out []string
	for _, u := range p.units {
		if ok(p.rec(u)) {
			out = append(out, u)
		}
	}
	return out
}

func (p *propRun) aggregate() (ed25519.PrivateKey, *types.MsgAggregate) {
	unit := p.units[p.rng.IntN(len(p.units))]
	if usable := p.unitsWhere(func(r *types.CodeRecord) bool { return r == nil || len(r.Holdings) > 0 }); len(usable) > 0 && p.rng.IntN(10) < 9 {
		unit = usable[p.rng.IntN(len(usable))]
	}
	var e propEnt
	if u := p.rec(unit); u != nil && len(u.Holdings) > 0 && p.rng.IntN(10) < 9 {
		e = p.byUSCC[u.Holdings[0].Holder]
	} else {
		e, _, _ = p.pick(nil, false)
	}
	m := &types.MsgAggregate{Unit: unit}
	hs := p.held(e, false)
	for i := 0; i < 1+p.rng.IntN(2); i++ {
		var code string
		if len(hs) > 0 && p.rng.IntN(10) < 9 {
			code = hs[p.rng.IntN(len(hs))]
		} else {
			code = p.codes[p.rng.IntN(len(p.codes))]
		}
		if p.rng.IntN(30) == 0 {
			code = p.units[p.rng.IntN(len(p.units))] // units do not nest
		}
		var held uint64
		if r := p.rec(code); r != nil {
			held = r.HeldBy(e.uscc)
		}
		m.Items = append(m.Items, cq(code, p.quantity(held)))
	}
	return e.key, m
}

func (p *propRun) disaggregate() (ed25519.PrivateKey, *types.MsgDisaggregate) {
	unit := p.units[p.rng.IntN(len(p.units))]
	if full := p.unitsWhere(func(r *types.CodeRecord) bool { return r != nil && len(r.Holdings) > 0 && len(r.Contents) > 0 }); len(full) > 0 && p.rng.IntN(10) < 8 {
		unit = full[p.rng.IntN(len(full))]
	}
	return p.holderOf(p.rec(unit)).key, &types.MsgDisaggregate{Unit: unit}
}

func (p *propRun) sensor() (ed25519.PrivateKey, *types.MsgSensorReport) {
	// Mostly within the batches' range (-30.00 .. -18.00 °C), sometimes not.
	lo := int32(-2900 + p.rng.IntN(700))
	// Windows are mostly short enough that an excursion is only counted;
	// a long one may hold the goods.
	start := int64(1_699_990_000 + p.rng.IntN(5000))
	m := &types.MsgSensorReport{MinCenti: lo, MaxCenti: lo + int32(p.rng.IntN(300)), StartUnix: start, EndUnix: start + int64(p.rng.IntN(1200)), DeviceId: "logger"}
	if p.rng.IntN(5) == 0 {
		m.MaxCenti += int32(200 + p.rng.IntN(1000))
	}
	if p.rng.IntN(20) == 0 {
		m.EndUnix += 3600
	}
	if p.rng.IntN(30) == 0 {
		m.MinCenti, m.MaxCenti = m.MaxCenti+1, m.MinCenti
	}
	if len(p.cons) > 0 && p.rng.IntN(2) == 0 {
		con := p.cons[p.rng.IntN(len(p.cons))]
		m.Consignment = con.id
		parties := []string{con.sender, con.buyer}
		if con.carrier != "" {
			parties = append(parties, con.carrier)
		}
		e := p.ent()
		if p.rng.IntN(10) < 8 {
			if pe, ok := p.byUSCC[parties[p.rng.IntN(len(parties))]]; ok {
				e = pe
			}
		}
		return e.key, m
	}
	e, code, _ := p.pick(nil, true)
	m.Codes = []string{code}
	return e.key, m
}

func (p *propRun) correct() (ed25519.PrivateKey, *types.MsgCorrect) {
	code := p.codes[p.rng.IntN(len(p.codes))]
	m := &types.MsgCorrect{Reason: types.CorrectionReason_CORRECTION_REASON_DID_NOT_OCCUR}
	if p.rng.IntN(2) == 0 {
		m.Reason = types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA
	}
	hs := historyHashes(p.t, p.c.app, code)
	if len(hs) == 0 || p.rng.IntN(20) == 0 {
		m.Event = bytes.Repeat([]byte{byte(p.rng.Uint32())}, 32)
		return p.ent().key, m
	}
	m.Event = hs[p.rng.IntN(len(hs))]
	actor := storedEvent(p.t, p.c.app, m.Event).Actor
	switch r := p.rng.IntN(20); {
	case r < 11:
		if e, ok := p.byUSCC[actor]; ok {
			return e.key, m
		}
		return kDistrict, m
	case r < 15:
		return kDistrict, m
	case r < 17:
		return kNingbo, m // outside the jurisdiction of every enterprise here
	}
	return p.ent().key, m
}

// compareGrouped checks that C, which ran the same txs in fewer blocks,
// holds the same goods as A: the same code records (quantities, holders,
// status, contents), consignments, batches, accounts and indexes. Fields
// that record heights or times, and events, whose hashes cover them, are
// left out.
func (p *propRun) compareGrouped() {
	t := p.t
	a, c := dumpAt(t, p.c.app, p.c.app.tree.Version()), dumpAt(t, p.grouped, p.grouped.tree.Version())
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range c {
		keys[k] = true
	}
	exact := map[byte]bool{}
	for _, k := range [][]byte{state.AccountKey(nil), state.HoldingPrefix(""), state.BatchCodePrefix(""), state.InboundPrefix(""), state.NativeCounterKey("")} {
		exact[k[0]] = true
	}
	differ := 0
	for k := range keys {
		va, vc := a[k], c[k]
		var ma, mc proto.Message
		switch {
		case exact[k[0]]:
			if !bytes.Equal(va, vc) {
				t.Errorf("key %q: %X alone, %X grouped", k, va, vc)
				differ++
			}
			continue
		case k[0] == state.CodeKey("")[0]:
			ma, mc = &types.CodeRecord{}, &types.CodeRecord{}
		case k[0] == state.ConsignmentKey(nil)[0]:
			ma, mc = &types.Consignment{}, &types.Consignment{}
		case k[0] == state.BatchKey("")[0]:
			ma, mc = &types.Batch{}, &types.Batch{}
		default:
			continue
		}
		if va == nil || vc == nil || proto.Unmarshal(va, ma) != nil || proto.Unmarshal(vc, mc) != nil {
			t.Fatalf("record %q is in one app only", k)
		}
		if ga, gc := goodsView(ma), goodsView(mc); !proto.Equal(ga, gc) {
			t.Errorf("record %q: %v alone, %v grouped", k, ga, gc)
			differ++
		}
		if differ > 5 {
			t.FailNow()
		}
	}
}

// goodsView keeps the fields of a record that say where goods are.
func goodsView(m proto.Message) proto.Message {
	switch r := m.(type) {
	case *types.CodeRecord:
		return &types.CodeRecord{
			Code: r.Code, BatchId: r.BatchId, Unit: r.Unit, Commissioned: r.Commissioned, Holdings: r.Holdings,
			InTransit: r.InTransit, InUnits: r.InUnits, Sold: r.Sold, Consumed: r.Consumed, SplitOut: r.SplitOut,
			Destroyed: r.Destroyed, Discrepancy: r.Discrepancy, Status: r.Status, Parent: r.Parent,
			LogisticUnit: r.LogisticUnit, Contents: r.Contents, Excursions: r.Excursions,
		}
	case *types.Consignment:
		return &types.Consignment{Id: r.Id, Sender: r.Sender, Buyer: r.Buyer, Carrier: r.Carrier, Items: r.Items, Received: r.Received, ReceivedItems: r.ReceivedItems}
	case *types.Batch:
		return &types.Batch{Id: r.Id, Batch: r.Batch, Commissioner: r.Commissioner, Facts: r.Facts, Codes: r.Codes}
	}
	return m
}

// checkInvariants checks what ties records together: the holdings, batch
// and inbound indexes, quantities in transit and in units, and splits.
func checkInvariants(t *testing.T, a *App) {
	t.Helper()
	all := dumpAt(t, a, a.tree.Version())
	recs := map[string]*types.CodeRecord{}
	holdingKeys, inboundKeys := map[string]bool{}, map[string]bool{}
	batchIndex := map[string]int{}
	var cons []*types.Consignment
	batches := map[string]*types.Batch{}
	for k, v := range all {
		switch k[0] {
		case state.CodeKey("")[0]:
			r := &types.CodeRecord{}
			if err := proto.Unmarshal(v, r); err != nil {
				t.Fatal(err)
			}
			recs[r.Code] = r
		case state.ConsignmentKey(nil)[0]:
			c := &types.Consignment{}
			if err := proto.Unmarshal(v, c); err != nil {
				t.Fatal(err)
			}
			cons = append(cons, c)
		case state.BatchKey("")[0]:
			b := &types.Batch{}
			if err := proto.Unmarshal(v, b); err != nil {
				t.Fatal(err)
			}
			batches[b.Id] = b
		case state.HoldingPrefix("")[0]:
			holdingKeys[k] = true
		case state.InboundPrefix("")[0]:
			inboundKeys[k] = true
		case state.BatchCodePrefix("")[0]:
			id := k[1:strings.IndexByte(k, 0)]
			batchIndex[id]++
			code := k[strings.IndexByte(k, 0)+1:]
			if _, ok := all[string(state.CodeKey(code))]; !ok {
				t.Errorf("batch index of %s names %s, which has no record", id, code)
			}
		}
	}
	transit, inUnits := map[string]uint64{}, map[string]uint64{}
	children := map[string]*big.Int{}
	for _, c := range cons {
		if !c.Received {
			for _, it := range c.Items {
				transit[it.Code] += it.Quantity
			}
			if !inboundKeys[string(state.InboundKey(c.Buyer, c.Id))] {
				t.Errorf("open consignment %X is not in %s's inbound index", c.Id, c.Buyer)
			}
		} else if len(c.ReceivedItems) != len(c.Items) {
			t.Errorf("consignment %X: %d items, %d received items", c.Id, len(c.Items), len(c.ReceivedItems))
		}
		delete(inboundKeys, string(state.InboundKey(c.Buyer, c.Id)))
	}
	for k := range inboundKeys {
		t.Errorf("inbound index key %q names no open consignment", k)
	}
	for _, r := range recs {
		for _, h := range r.Holdings {
			if h.Quantity == 0 {
				t.Errorf("%s: zero holding of %s kept", r.Code, h.Holder)
			}
			hk := string(state.HoldingKey(h.Holder, r.Code))
			if !holdingKeys[hk] {
				t.Errorf("%s: %s holds %d but the holdings index does not say so", r.Code, h.Holder, h.Quantity)
			}
			delete(holdingKeys, hk)
		}
		for _, it := range r.Contents {
			inUnits[it.Code] += it.Quantity
		}
		if r.Parent != "" {
			if children[r.Parent] == nil {
				children[r.Parent] = new(big.Int)
			}
			children[r.Parent].Add(children[r.Parent], new(big.Int).SetUint64(r.Commissioned))
		}
		if r.LogisticUnit {
			if r.Commissioned != 1 || r.BatchId != "" {
				t.Errorf("unit %s: commissioned %d, batch %q", r.Code, r.Commissioned, r.BatchId)
			}
			continue
		}
		if batches[r.BatchId] == nil {
			t.Errorf("%s: batch %q has no record", r.Code, r.BatchId)
		}
		if !strings.HasPrefix(r.Code, "/00/") && r.Unit == types.QuantityUnit_QUANTITY_UNIT_UNSPECIFIED {
			t.Errorf("%s: no unit", r.Code)
		}
	}
	for k := range holdingKeys {
		t.Errorf("holdings index key %q names no holding", k)
	}
	for code, r := range recs {
		if r.InTransit != transit[code] {
			t.Errorf("%s: in_transit %d, open consignments carry %d", code, r.InTransit, transit[code])
		}
		if r.InUnits != inUnits[code] {
			t.Errorf("%s: in_units %d, units contain %d", code, r.InUnits, inUnits[code])
		}
		sum := children[code]
		if sum == nil {
			sum = new(big.Int)
		}
		if sum.Cmp(new(big.Int).SetUint64(r.SplitOut)) != 0 {
			t.Errorf("%s: split_out %d, its children were commissioned with %s", code, r.SplitOut, sum)
		}
	}
	ids := make([]string, 0, len(batches))
	for id := range batches {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if uint64(batchIndex[id]) != batches[id].Codes {
			t.Errorf("batch %s counts %d codes, its index holds %d", id, batches[id].Codes, batchIndex[id])
		}
	}
}
