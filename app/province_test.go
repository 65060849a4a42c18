package app

import (
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// TestGoodsLeaveAndEnterTheProvince (rules v3): a dispatch to a buyer in
// Shanghai closes the code's loop here (left_province, conserved, history
// says where); goods arriving from Jiangsu carry their origin code, which
// resolves to this chain's code; a buyer "outside" in Zhejiang itself, an
// unreleased import and a reused origin code are refused.
func TestGoodsLeaveAndEnterTheProvince(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	out := &types.OutsideBuyer{Uscc: mkUSCC("91310115MA1HPHAN0"), Name: "Shanghai Pudong Seafood Co.", Province: "310000"}
	com := svCommission("CN-OUT", svDomesticFacts(), 2, 5_000)
	com.Codes[0].OriginCode = "https://trace.jiangsu.example/c/JS-320100-000123"
	c.ok(c.tx(kImp, com))
	code := com.Codes[0].Code
	if got, err := snapshotState(t, c.app).OriginCode("https://trace.jiangsu.example/c/JS-320100-000123"); err != nil || got != code {
		t.Fatalf("origin code resolves to %q (%v), want %s", got, err, code)
	}
	c.ok(c.tx(kImp, &types.MsgDispatch{OutsideBuyer: out, Items: svItems(code, 3_000)}))
	r := svRecord(t, c, code)
	if r.LeftProvince != 3_000 || r.HeldBy(importerUSCC) != 2_000 || !r.Conserved() {
		t.Fatalf("after leaving the province: %+v", r)
	}
	if e := lastEvent(t, c.app, code); e.BizStep != "shipping" {
		t.Fatalf("history: %v", e)
	}
	inZJ := &types.OutsideBuyer{Uscc: out.Uscc, Name: out.Name, Province: "330000"}
	c.refused(c.tx(kImp, &types.MsgDispatch{OutsideBuyer: inZJ, Items: svItems(code, 1)}), types.ErrInvalidField)
	dup := svCommission("CN-OUT2", svDomesticFacts(), 1, 5_000)
	dup.Codes[0].OriginCode = com.Codes[0].OriginCode
	c.refused(c.tx(kImp, dup), types.ErrCodeExists)
	c.ok(c.tx(kSVCustoms, svDeclare(svDecl, 100_000)))
	c.ok(c.tx(kImp, svCommission("EC-OUT", svImportedFacts(svDecl), 1, 5_000)))
	c.refused(c.tx(kImp, &types.MsgDispatch{OutsideBuyer: out, Items: svItems(svCode("EC-OUT", "0001"), 1)}), types.ErrReleaseRequired)
	if code := svCheckCode(t, c, c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, OutsideBuyer: out, Items: svItems(code, 1)})); code != types.ErrInvalidField.Code {
		t.Fatalf("buyer and outside buyer together: code %d", code)
	}
}

// TestOutsideBuyerIsOutside: a buyer registered on this chain, the sender
// itself included, is no outside buyer; a pallet leaves only unpacked.
func TestOutsideBuyerIsOutside(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-L", svDomesticFacts(), 1, 5_000)))
	code := svCode("CN-L", "0001")
	for _, u := range []string{marketUSCC, importerUSCC} {
		c.refused(c.tx(kImp, &types.MsgDispatch{OutsideBuyer: &types.OutsideBuyer{Uscc: u, Name: "x", Province: "310000"}, Items: svItems(code, 1)}), types.ErrInvalidField)
	}
	c.ok(c.tx(kImp, &types.MsgAggregate{Unit: svUnit, Items: svItems(code, 5_000)}))
	c.refused(c.tx(kImp, &types.MsgDispatch{OutsideBuyer: &types.OutsideBuyer{Uscc: mkUSCC("91310115MA1HPHAN0"), Name: "x", Province: "310000"}, Items: svItems(svUnit, 1)}), types.ErrLogisticUnit)
}
