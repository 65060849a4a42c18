package app

import (
	"crypto/ed25519"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// txAt signs a tx with a signed event time (an offline scan).
func (c *svChain) txAt(key ed25519.PrivateKey, at time.Time, msgs ...proto.Message) []byte {
	c.t.Helper()
	s := c.seq[string(pub(key))]
	c.seq[string(pub(key))] = s + 1
	body := &types.TxBody{ChainId: testChainID, Signer: pub(key), Sequence: s, EventTimeMs: at.UnixMilli()}
	for _, m := range msgs {
		body.Messages = append(body.Messages, types.WrapMsg(m))
	}
	bb, err := proto.MarshalOptions{Deterministic: true}.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(&types.Tx{BodyBytes: bb, Signature: ed25519.Sign(key, types.SignBytes(bb))})
	if err != nil {
		c.t.Fatal(err)
	}
	return raw
}

// TestSignedEventTime (rules v3): a scan made at 03:00 and sent at 09:00
// happened at 03:00; a time after the block or beyond the window is refused
// with code 42 and uses up the sequence; under v2 the field does not exist.
func TestSignedEventTime(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-T", svDomesticFacts(), 2, 5_000)))
	code := svCode("CN-T", "0001")
	sent := c.now.Add(6 * time.Hour)
	scanned := sent.Add(-6 * time.Hour)
	res := c.at(sent, c.txAt(kImp, scanned, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(code, 100)}))[0]
	if res.Code != 0 {
		t.Fatalf("offline sale: code %d %s", res.Code, res.Log)
	}
	if e := lastEvent(t, c.app, code); e.EventTimeMs != scanned.UnixMilli() || e.TimeMs != sent.UnixMilli() {
		t.Fatalf("event time %d, block time %d; want %d and %d", e.EventTimeMs, e.TimeMs, scanned.UnixMilli(), sent.UnixMilli())
	}
	seq := accountSeq(t, c.app, kImp)
	for _, tc := range []struct {
		name string
		at   time.Duration // from the block's time
	}{{"after its block", time.Minute}, {"older than seven days", -8 * 24 * time.Hour}} {
		name, block := tc.name, c.now.Add(time.Hour)
		res := c.at(block, c.txAt(kImp, block.Add(tc.at), &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(code, 1)}))[0]
		if res.Code != types.ErrEventTime.Code {
			t.Fatalf("%s: code %d %s", name, res.Code, res.Log)
		}
		seq++
		if got := accountSeq(t, c.app, kImp); got != seq {
			t.Fatalf("%s: sequence %d, want %d (used up)", name, got, seq)
		}
	}
	if r := svRecord(t, c, code); r.Sold != 100 {
		t.Fatalf("refused sales moved goods: sold %d", r.Sold)
	}

	v2 := newSVChainRules(t, nil, types.RulesV2)
	svParties(v2)
	if code := svCheckCode(t, v2, v2.txAt(kImp, v2.now, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(code, 1)})); code != types.ErrTxDecode.Code {
		t.Fatalf("under v2 an event time is undecodable: code %d", code)
	}
}

// TestCheckTxJudgesEventTimeByTheLastBlock: the mempool judges a signed
// event time by the last block's time (not the midnight it compares expiry
// dates with): a scan a second before the last block enters, one hours after
// it does not.
func TestCheckTxJudgesEventTimeByTheLastBlock(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-C", svDomesticFacts(), 1, 5_000)))
	last := time.Date(2023, 11, 15, 10, 0, 0, 0, time.UTC) // 18:00 in China
	c.at(last)
	sell := &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(svCode("CN-C", "0001"), 1)}
	if code := svCheckCode(t, c, c.txAt(kImp, last.Add(-time.Second), sell)); code != 0 {
		t.Fatalf("a scan a second before the last block: CheckTx code %d", code)
	}
	if code := svCheckCode(t, c, c.txAt(kImp, last.Add(3*time.Hour), sell)); code != types.ErrEventTime.Code {
		t.Fatalf("a scan three hours after the last block: CheckTx code %d", code)
	}
}

// TestEventTimeNotBeforeTheCode: an offline scan cannot predate the code's
// commissioning or its receipt; re-entering a code into its warehouse does
// not count its grams again.
func TestEventTimeNotBeforeTheCode(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-E", svDomesticFacts(), 1, 5_000)))
	code := svCode("CN-E", "0001")
	res := c.at(c.now.Add(time.Hour), c.txAt(kImp, c.now.Add(-72*time.Hour), &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(code, 1)}))[0]
	if res.Code != types.ErrEventTime.Code {
		t.Fatalf("a sale dated before the commission: code %d %s", res.Code, res.Log)
	}
	toWH := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(code, 5_000)})))
	svReceiveAll(t, c, kSVWH, toWH)
	for i := 0; i < 3; i++ {
		c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: []string{code}}))
	}
	d := queryRecord[*types.StatsList](t, c.testChain, "/supervision/stats/330100").Total
	if d.WarehouseEnteredGrams != 5_000 {
		t.Fatalf("entered %d g, want 5000 once", d.WarehouseEnteredGrams)
	}
}
