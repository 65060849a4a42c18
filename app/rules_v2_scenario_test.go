package app

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

// goldenV2Scenario runs the province's lifecycle under rules v2 — imports
// through a supervision warehouse, distribution across cities, a split,
// sales, a cold-chain excursion, a positive test, holds, a recall and its
// destruction, parameter and division changes, alerts from the passage of
// days — for the golden chain TestRulesV2HistoryReplays replays. Some txs
// are refused on purpose: refusals are history too.
func goldenV2Scenario(t *testing.T) *svChain {
	c := newSVChainRules(t, nil, types.RulesV2)
	svParties(c)
	c.mustBlock(c.tx(kSVCustoms, svDeclare(svDecl, 100_000)), c.tx(kSVCustoms, svDeclare(svDeclSmall, 4_000)))
	day := func(n int) time.Time { return svStart.Add(time.Duration(n) * 24 * time.Hour) }

	// Imports: the main batch, and a batch citing a declaration never recorded.
	c.ok(c.tx(kImp, svCommission(svMainBatch, svImportedFacts(svDecl), 8, 10_000)))
	c.block(c.tx(kImp, svCommission("EC-NODECL", svImportedFacts("310120239999999999"), 1, 1_000)))
	c.block(c.tx(kImp, svCommission("EC-TOOMUCH", svImportedFacts(svDeclSmall), 1, 9_000)))
	c.ok(c.tx(kImp, svCommission("EC-SMALL", svImportedFacts(svDeclSmall), 2, 2_000)))
	var mains []any
	for i := 1; i <= 8; i++ {
		mains = append(mains, svMain(svSerial(i)), 10_000)
	}
	toWH := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(mains...), Reference: "DN-1"})))
	svReceiveAll(t, c, kSVWH, toWH)
	var codes []string
	for i := 1; i <= 8; i++ {
		codes = append(codes, svMain(svSerial(i)))
	}
	c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: codes}))
	c.block(c.tx(kSVWH, &types.MsgRelease{Codes: codes[:1], DisinfectionCertificate: "DS-1"})) // no authority's test yet
	c.ok(c.tx(kSVWH, &types.MsgRecordTest{Batch: importerUSCC + "/" + svMainBatch, Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou CDC", TestName: "SARS-CoV-2 nucleic acid"}))
	c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: codes, DisinfectionCertificate: "DS-1"}))

	// Distribution: Hangzhou's market and a Ningbo restaurant; a shortfall.
	toMkt := svConsignment(t, c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(codes[0], 10_000, codes[1], 10_000, codes[2], 10_000)})))
	c.ok(c.tx(kMarket, &types.MsgReceive{Consignment: toMkt, Received: svItems(codes[0], 10_000, codes[1], 9_500, codes[2], 10_000), Note: "one carton short"}))
	toNB := svConsignment(t, c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(codes[3], 10_000)})))
	c.at(day(1), c.tx(kSVDiner2, svReceiveMsg(t, c, toNB)))
	c.ok(c.tx(kMarket, &types.MsgSplit{Parent: codes[0], Children: []*types.NewCode{
		{Code: svCode(svMainBatch, "S001"), Quantity: 2_500, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS},
		{Code: svCode(svMainBatch, "S002"), Quantity: 2_500, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS},
	}}))
	toShop := svConsignment(t, c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: shopUSCC, Items: svItems(svCode(svMainBatch, "S001"), 2_500, codes[1], 4_000)})))
	svReceiveAll(t, c, kShop, toShop)
	c.ok(c.tx(kShop, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(svCode(svMainBatch, "S001"), 1_000)}))
	c.ok(c.tx(kSVDiner2, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_CONSUMED, Items: svItems(codes[3], 3_000)}))
	c.block(c.tx(kShop, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(codes[2], 1)})) // not the shop's
	now := c.now.Unix()
	c.ok(c.tx(kShop, &types.MsgSensorReport{Codes: []string{codes[1]}, MinCenti: -1500, MaxCenti: -500,
		StartUnix: now - 7200, EndUnix: now - 60, DeviceId: "freezer-2"}))

	// A consignment nobody receives raises its alert days later.
	c.ok(c.tx(kMarket, &types.MsgDispatch{Buyer: dinerUSCC, Items: svItems(codes[2], 5_000)}))

	// Domestic goods, packed into a pallet and unpacked.
	c.ok(c.tx(kImp, svCommission("CN-1", svDomesticFacts(), 3, 5_000)))
	pallet := sscc("09521234500000001")
	c.ok(c.tx(kImp, &types.MsgAggregate{Unit: pallet, Items: svItems(svCode("CN-1", "0001"), 5_000, svCode("CN-1", "0002"), 5_000)}))
	c.ok(c.tx(kImp, &types.MsgDisaggregate{Unit: pallet}))

	// A positive test of the small batch, a hold by the city, a recall, destruction.
	c.at(day(3), c.tx(kSVWH, svPositive(svCode("EC-SMALL", "0001"))))
	c.ok(c.tx(kCity, &types.MsgHold{Codes: []string{svCode("CN-1", "0003")}, Reason: "label check"}))
	c.block(c.tx(kDistrict, &types.MsgUnhold{Codes: []string{svCode("CN-1", "0003")}, Reason: "a district may not lift a city's hold"}))
	c.ok(c.tx(kCity, &types.MsgUnhold{Codes: []string{svCode("CN-1", "0003")}, Reason: "labels fine"}))
	c.ok(c.tx(kCity, &types.MsgRecall{Batch: importerUSCC + "/EC-SMALL", Reason: "positive test"}))
	doc := sha256.Sum256([]byte("destruction record"))
	c.ok(c.tx(kDistrict, &types.MsgDestroy{Code: svCode("EC-SMALL", "0001"), Holder: importerUSCC, Quantity: 2_000, Method: "incineration", DocumentHash: doc[:]}))

	// Policy and divisions by tx; an upgrade to a version this binary lacks is refused.
	p := types.DefaultParams()
	p.SupervisionExemptOrigins = append(p.SupervisionExemptOrigins, "NZ")
	c.ok(c.tx(kRoot, &types.MsgSetParams{Params: p, Height: c.height + 3, Reason: "NZ goods exempt"}))
	c.ok(c.tx(kRoot, &types.MsgAddDivision{Division: "330115", Name: "New district", Reason: "boundary change"}))
	c.block(c.tx(kRoot, &types.MsgScheduleUpgrade{Version: 9, Height: c.height + 100, Reason: "unknown version"}))
	c.block(c.tx(kCity, regRegulator("339999", "Nowhere", testKey("nowhere"))))

	// Days pass: the open consignment's alert, alerts acknowledged.
	c.at(day(6))
	c.at(day(9))
	for _, a := range svOpenAlerts(t, c, "33") {
		c.block(c.tx(kRoot, &types.MsgAcknowledge{Alert: a.Id, Comment: "seen"}))
	}
	c.at(day(800)) // past the batches' expiry
	c.at(day(801))
	return c
}
