package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"math"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// refusalFixture names what refusalChain built.
type refusalFixture struct {
	native     string // the importer's native code: 10,000 g commissioned, 2,000 g received by the market
	expired    string // a code of batch OLD, past its expiry date, held by the importer
	open       []byte // consignment importer → market carrying 3,000 g of gtinCode("0001"), not received
	closed     []byte // consignment importer → market carrying 2,000 g of native, received in full
	event      []byte // the importer's commissioning event of batch B2023
	emptyUnit  string // a logistic unit the importer holds, emptied by a disaggregation
	spareSSCC  string // an SSCC nobody has used
	otherBatch string // a GTIN code of batch B2024 (never commissioned)
}

const batchOld = "OLD"

func oldFacts() *types.ProductFacts {
	f := testFacts()
	f.ProductionDate, f.ExpiryDate, f.ShelfLifeDays = "2022-06-01", "2023-01-01", 0
	return f
}

// refusalChain: traceChain where the importer commissioned batch B2023
// (gtinCode 0001 and 0002, 10,000 g each, and a native code of 10,000 g)
// and an expired batch OLD, dispatched 3,000 g of 0001 to the market (still
// open) and 2,000 g of the native code (received), packed 1,000 g of 0002
// into the unit unitSSCC, and packed then unpacked another unit.
//
// Holdings: importer 0001 7,000, 0002 8,500, native 8,000, OLD 1,000, both
// units; market native 2,000.
func refusalChain(t *testing.T) (*testChain, refusalFixture) {
	c := traceChain(t)
	f := refusalFixture{
		expired:    "/01/" + gtin + "/10/" + batchOld + "/21/0001",
		emptyUnit:  sscc("10614141123456790"),
		spareSSCC:  sscc("10614141123456791"),
		otherBatch: "/01/" + gtin + "/10/B2024/21/0001",
	}
	res := c.ok(c.tx(kImp, &types.MsgCommission{Batch: "B2023", Facts: testFacts(), Codes: []*types.NewCode{
		grams(gtinCode("0001"), 10_000), grams(gtinCode("0002"), 10_000), grams("", 10_000),
	}}))
	f.native = attr(t, res, "issued_code", "code")[0]
	f.event = mustHex(t, attr(t, res, "commission", "event")[0])
	c.ok(c.tx(kImp, &types.MsgCommission{Batch: batchOld, Facts: oldFacts(), Codes: []*types.NewCode{grams(f.expired, 1000)}}))
	res = c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: []*types.CodeQuantity{cq(gtinCode("0001"), 3000)}}))
	f.open = mustHex(t, attr(t, res, "dispatch", "consignment")[0])
	res = c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: []*types.CodeQuantity{cq(f.native, 2000)}}))
	f.closed = mustHex(t, attr(t, res, "dispatch", "consignment")[0])
	c.ok(c.tx(kMarket, &types.MsgReceive{Consignment: f.closed, Received: []*types.CodeQuantity{cq(f.native, 2000)}}))
	c.ok(c.tx(kImp, &types.MsgAggregate{Unit: unitSSCC, Items: []*types.CodeQuantity{cq(gtinCode("0002"), 1000)}}))
	c.ok(c.tx(kImp, &types.MsgAggregate{Unit: f.emptyUnit, Items: []*types.CodeQuantity{cq(gtinCode("0002"), 500)}}))
	c.ok(c.tx(kImp, &types.MsgDisaggregate{Unit: f.emptyUnit}))
	return c, f
}

// TestTraceRefusals: each trace refusal returns its code at CheckTx and in
// a block, emits no event, and leaves state unchanged except, for a tx that
// passed the stateless checks, the signer's consumed sequence.
func TestTraceRefusals(t *testing.T) {
	newCode := func(serial string) []*types.NewCode { return []*types.NewCode{grams(gtinCode(serial), 100)} }
	commission := func(m *types.MsgCommission) *types.MsgCommission {
		if m.Batch == "" {
			m.Batch = "B2023"
		}
		return m
	}
	badFacts := func(mod func(*types.ProductFacts)) *types.MsgCommission {
		facts := testFacts()
		mod(facts)
		return &types.MsgCommission{Batch: "B2025", Facts: facts, Codes: []*types.NewCode{grams("/01/"+gtin+"/10/B2025/21/1", 100)}}
	}
	sensor := func(m *types.MsgSensorReport) *types.MsgSensorReport {
		m.StartUnix, m.EndUnix, m.DeviceId = 1_699_990_000, 1_699_999_000, "logger-17"
		if m.MaxCenti == 0 && m.MinCenti == 0 {
			m.MinCenti, m.MaxCenti = -2500, -2000
		}
		return m
	}
	items := func(its ...*types.CodeQuantity) []*types.CodeQuantity { return its }
	otherGTIN := gtinWith("0952123454322")

	cases := []struct {
		name     string
		tx       func(c *testChain, f refusalFixture) []byte
		want     *types.Error
		consumes ed25519.PrivateKey // signer whose sequence a block consumes; nil for stateless refusals
		// checkTxGap: CheckTx cannot see this refusal (see the report on
		// expiry and CheckTx's zero block time); it may accept the tx.
		checkTxGap bool
	}{
		// Commission.
		{"commission by a supermarket", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kShop, &types.MsgCommission{Batch: "B2023", Facts: testFacts(), Codes: newCode("0009")})
		}, types.ErrUnauthorized, kShop, false},
		{"commission by a regulator", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kDistrict, &types.MsgCommission{Batch: "B2023", Facts: testFacts(), Codes: newCode("0009")})
		}, types.ErrUnauthorized, kDistrict, false},
		{"code already commissioned", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{Codes: newCode("0001")}))
		}, types.ErrCodeExists, kImp, false},
		{"code already commissioned, other spelling", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{Codes: []*types.NewCode{grams("(01)"+gtin+"(10)B2023(21)0002", 5)}}))
		}, types.ErrCodeExists, kImp, false},
		{"native code named explicitly (only the chain issues them)", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{Codes: []*types.NewCode{grams(gtinCode("0009"), 5), grams(f.native, 5)}}))
		}, types.ErrInvalidCode, nil, false},
		{"same code twice in one message", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{Codes: []*types.NewCode{grams(gtinCode("0009"), 5), grams("https://id.example.com/01/"+gtin+"/10/B2023/21/0009", 5)}}))
		}, types.ErrInvalidField, nil, false},
		{"no codes", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{}))
		}, types.ErrInvalidField, nil, false},
		{"new batch without facts", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgCommission{Batch: "B2025", Codes: []*types.NewCode{grams("/01/"+gtin+"/10/B2025/21/1", 100)}})
		}, types.ErrInvalidField, kImp, false},
		{"existing batch with other facts", func(c *testChain, f refusalFixture) []byte {
			facts := testFacts()
			facts.Supplier = "Another Seafood Co."
			return c.tx(kImp, commission(&types.MsgCommission{Facts: facts, Codes: newCode("0009")}))
		}, types.ErrBatchConflict, kImp, false},
		{"code's batch differs from the message's", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{Codes: []*types.NewCode{grams(f.otherBatch, 100)}}))
		}, types.ErrBatchConflict, kImp, false},
		{"code's GTIN differs from the facts' GTIN", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{Codes: []*types.NewCode{grams("/01/"+otherGTIN+"/10/B2023/21/1", 100)}}))
		}, types.ErrBatchConflict, kImp, false},
		{"malformed code", func(c *testChain, f refusalFixture) []byte {
			bad := "/01/" + gtin[:13] + string('0'+(gtin[13]-'0'+1)%10) + "/10/B2023/21/1"
			return c.tx(kImp, commission(&types.MsgCommission{Codes: []*types.NewCode{grams(bad, 100)}}))
		}, types.ErrInvalidCode, nil, false},
		{"zero quantity", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{Codes: []*types.NewCode{grams(gtinCode("0009"), 0)}}))
		}, types.ErrInvalidQuantity, nil, false},
		{"missing unit", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{Codes: []*types.NewCode{{Code: gtinCode("0009"), Quantity: 100}}}))
		}, types.ErrInvalidField, nil, false},
		{"SSCC commissioned directly", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, commission(&types.MsgCommission{Codes: []*types.NewCode{grams(f.spareSSCC, 1)}}))
		}, types.ErrLogisticUnit, nil, false},
		{"origin country not ISO 3166", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, badFacts(func(p *types.ProductFacts) { p.OriginCountry = "ecuador" }))
		}, types.ErrInvalidField, nil, false},
		{"origin country lower case", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, badFacts(func(p *types.ProductFacts) { p.OriginCountry = "ec" }))
		}, types.ErrInvalidField, nil, false},
		{"temperature minimum above maximum", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, badFacts(func(p *types.ProductFacts) { p.TempMinCenti, p.TempMaxCenti = -1000, -2000 }))
		}, types.ErrInvalidField, nil, false},
		{"production date malformed", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, badFacts(func(p *types.ProductFacts) { p.ProductionDate = "2023-13-01" }))
		}, types.ErrInvalidField, nil, false},
		{"expiry date malformed", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, badFacts(func(p *types.ProductFacts) { p.ExpiryDate = "01/10/2025" }))
		}, types.ErrInvalidField, nil, false},
		{"neither expiry nor shelf life", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, badFacts(func(p *types.ProductFacts) { p.ShelfLifeDays = 0 }))
		}, types.ErrInvalidField, nil, false},
		{"lab test date malformed", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, badFacts(func(p *types.ProductFacts) { p.NucleicAcidTest.Date = "yesterday" }))
		}, types.ErrInvalidField, nil, false},
		{"facts GTIN with a wrong check digit", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, badFacts(func(p *types.ProductFacts) { p.Gtin = "09521234543214" }))
		}, types.ErrInvalidCode, nil, false},

		// Dispatch.
		{"dispatch more than held", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: items(cq(gtinCode("0001"), 7001))})
		}, types.ErrInsufficientQuantity, kImp, false},
		{"dispatch what another enterprise holds", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgDispatch{Buyer: shopUSCC, Items: items(cq(gtinCode("0002"), 1))})
		}, types.ErrInsufficientQuantity, kMarket, false},
		{"dispatch a code never commissioned", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: items(cq(gtinCode("0999"), 1))})
		}, types.ErrNotFound, kImp, false},
		{"dispatch to an unregistered buyer", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDispatch{Buyer: unregisteredUSCC, Items: items(cq(gtinCode("0001"), 1))})
		}, types.ErrCounterparty, kImp, false},
		{"dispatch to a suspended buyer", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDispatch{Buyer: suspendedUSCC, Items: items(cq(gtinCode("0001"), 1))})
		}, types.ErrCounterparty, kImp, false},
		{"dispatch to oneself", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDispatch{Buyer: importerUSCC, Items: items(cq(gtinCode("0001"), 1))})
		}, types.ErrCounterparty, kImp, false},
		{"dispatch with an unregistered carrier", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Carrier: unregisteredUSCC, Items: items(cq(gtinCode("0001"), 1))})
		}, types.ErrCounterparty, kImp, false},
		{"dispatch to a malformed USCC", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC[:17] + "0", Items: items(cq(gtinCode("0001"), 1))})
		}, types.ErrInvalidUSCC, nil, false},
		{"dispatch zero", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: items(cq(gtinCode("0001"), 0))})
		}, types.ErrInvalidQuantity, nil, false},
		{"dispatch expired goods", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: items(cq(f.expired, 10))})
		}, types.ErrNotMovable, kImp, true},

		// Receive.
		{"receive by someone other than the buyer", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kShop, &types.MsgReceive{Consignment: f.open, Received: items(cq(gtinCode("0001"), 3000))})
		}, types.ErrNotBuyer, kShop, false},
		{"receive by the sender", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgReceive{Consignment: f.open, Received: items(cq(gtinCode("0001"), 3000))})
		}, types.ErrNotBuyer, kImp, false},
		{"receive twice", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgReceive{Consignment: f.closed, Received: items(cq(f.native, 2000))})
		}, types.ErrConsignmentClosed, kMarket, false},
		{"receive more than dispatched", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgReceive{Consignment: f.open, Received: items(cq(gtinCode("0001"), 3001))})
		}, types.ErrInvalidQuantity, kMarket, false},
		{"receive a code the consignment does not carry", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgReceive{Consignment: f.open, Received: items(cq(gtinCode("0001"), 3000), cq(gtinCode("0002"), 1))})
		}, types.ErrInvalidQuantity, kMarket, false},
		{"receive an unknown consignment", func(c *testChain, f refusalFixture) []byte {
			id := bytes.Repeat([]byte{0xC7}, 32)
			return c.tx(kMarket, &types.MsgReceive{Consignment: id, Received: items(cq(gtinCode("0001"), 3000))})
		}, types.ErrNotFound, kMarket, false},
		{"receive a malformed consignment id", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgReceive{Consignment: f.open[:31], Received: items(cq(gtinCode("0001"), 3000))})
		}, types.ErrInvalidField, nil, false},

		// Sell.
		{"sell a logistic unit", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: items(cq(unitSSCC, 1))})
		}, types.ErrLogisticUnit, kImp, false},
		{"sell more than held", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: items(cq(f.native, 2001))})
		}, types.ErrInsufficientQuantity, kMarket, false},
		{"sell goods in transit", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_CONSUMED, Items: items(cq(gtinCode("0001"), 1))})
		}, types.ErrInsufficientQuantity, kMarket, false},
		{"sell to an unregistered business buyer", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, BusinessBuyer: unregisteredUSCC, Items: items(cq(f.native, 10))})
		}, types.ErrCounterparty, kMarket, false},
		{"sell to a suspended business buyer", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, BusinessBuyer: suspendedUSCC, Items: items(cq(f.native, 10))})
		}, types.ErrCounterparty, kMarket, false},
		{"sale kind missing", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgSell{Items: items(cq(f.native, 10))})
		}, types.ErrInvalidField, nil, false},
		{"sell expired goods", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: items(cq(f.expired, 10))})
		}, types.ErrNotMovable, kImp, true},

		// Split.
		{"split more than held", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgSplit{Parent: gtinCode("0001"), Children: []*types.NewCode{{Quantity: 5000}, {Quantity: 2001}}})
		}, types.ErrInsufficientQuantity, kImp, false},
		{"split into an existing code", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgSplit{Parent: gtinCode("0001"), Children: []*types.NewCode{{Code: gtinCode("0002"), Quantity: 10}}})
		}, types.ErrCodeExists, kImp, false},
		{"split into a different unit", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgSplit{Parent: gtinCode("0001"), Children: []*types.NewCode{{Quantity: 10, Unit: types.QuantityUnit_QUANTITY_UNIT_PIECES}}})
		}, types.ErrInvalidQuantity, kImp, false},
		{"split a logistic unit", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgSplit{Parent: unitSSCC, Children: []*types.NewCode{{Quantity: 1}}})
		}, types.ErrLogisticUnit, kImp, false},
		{"split into an SSCC", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgSplit{Parent: gtinCode("0001"), Children: []*types.NewCode{{Code: f.spareSSCC, Quantity: 10}}})
		}, types.ErrLogisticUnit, nil, false},
		{"split expired goods", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgSplit{Parent: f.expired, Children: []*types.NewCode{{Quantity: 10}}})
		}, types.ErrNotMovable, kImp, true},

		// Aggregate and disaggregate.
		{"aggregate into a unit another enterprise holds", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgAggregate{Unit: unitSSCC, Items: items(cq(f.native, 100))})
		}, types.ErrLogisticUnit, kMarket, false},
		{"aggregate a unit into a unit", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgAggregate{Unit: f.spareSSCC, Items: items(cq(unitSSCC, 1))})
		}, types.ErrLogisticUnit, kImp, false},
		{"aggregate a unit into itself", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgAggregate{Unit: unitSSCC, Items: items(cq(unitSSCC, 1))})
		}, types.ErrLogisticUnit, kImp, false},
		{"aggregate into a code that is not an SSCC", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgAggregate{Unit: gtinCode("0001"), Items: items(cq(gtinCode("0002"), 1))})
		}, types.ErrLogisticUnit, nil, false},
		{"aggregate more than held", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgAggregate{Unit: unitSSCC, Items: items(cq(gtinCode("0001"), 7001))})
		}, types.ErrInsufficientQuantity, kImp, false},
		{"aggregate expired goods", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgAggregate{Unit: unitSSCC, Items: items(cq(f.expired, 1))})
		}, types.ErrNotMovable, kImp, true},
		{"disaggregate an empty unit", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDisaggregate{Unit: f.emptyUnit})
		}, types.ErrLogisticUnit, kImp, false},
		{"disaggregate a unit not held", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgDisaggregate{Unit: unitSSCC})
		}, types.ErrLogisticUnit, kMarket, false},
		{"disaggregate a unit never used", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDisaggregate{Unit: f.spareSSCC})
		}, types.ErrNotFound, kImp, false},
		{"disaggregate a code that is not an SSCC", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgDisaggregate{Unit: gtinCode("0001")})
		}, types.ErrLogisticUnit, nil, false},

		// Sensor reports.
		{"sensor report on a code the signer holds none of", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, sensor(&types.MsgSensorReport{Codes: []string{gtinCode("0002")}}))
		}, types.ErrUnauthorized, kMarket, false},
		{"sensor report on a consignment the signer is no party to", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kShop, sensor(&types.MsgSensorReport{Consignment: f.open}))
		}, types.ErrUnauthorized, kShop, false},
		{"sensor report on an unknown consignment", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, sensor(&types.MsgSensorReport{Consignment: bytes.Repeat([]byte{9}, 32)}))
		}, types.ErrNotFound, kImp, false},
		{"sensor report by a regulator", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kDistrict, sensor(&types.MsgSensorReport{Codes: []string{gtinCode("0001")}}))
		}, types.ErrUnauthorized, kDistrict, false},
		{"sensor report with min above max", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, sensor(&types.MsgSensorReport{Codes: []string{gtinCode("0001")}, MinCenti: -1000, MaxCenti: -2000}))
		}, types.ErrInvalidField, nil, false},
		{"sensor report on codes and a consignment", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, sensor(&types.MsgSensorReport{Codes: []string{gtinCode("0001")}, Consignment: f.open}))
		}, types.ErrInvalidField, nil, false},
		{"sensor report with a reversed window", func(c *testChain, f refusalFixture) []byte {
			m := sensor(&types.MsgSensorReport{Codes: []string{gtinCode("0001")}})
			m.EndUnix = m.StartUnix - 1
			return c.tx(kImp, m)
		}, types.ErrInvalidField, nil, false},

		// Corrections.
		{"correct an unknown event", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgCorrect{Event: bytes.Repeat([]byte{1}, 32), Reason: types.CorrectionReason_CORRECTION_REASON_DID_NOT_OCCUR})
		}, types.ErrNotFound, kImp, false},
		{"correct another enterprise's event", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kMarket, &types.MsgCorrect{Event: f.event, Reason: types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA})
		}, types.ErrUnauthorized, kMarket, false},
		{"regulator outside the actor's jurisdiction corrects", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kNingbo, &types.MsgCorrect{Event: f.event, Reason: types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA})
		}, types.ErrOutOfJurisdiction, kNingbo, false},
		{"correction names an unknown corrective event", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgCorrect{Event: f.event, Reason: types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA, CorrectiveEvents: [][]byte{bytes.Repeat([]byte{2}, 32)}})
		}, types.ErrNotFound, kImp, false},
		{"correction without a reason", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp, &types.MsgCorrect{Event: f.event})
		}, types.ErrInvalidField, nil, false},

		// Several messages: the refusal of one undoes the others.
		{"second message refused, first undone", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp,
				commission(&types.MsgCommission{Codes: []*types.NewCode{grams(gtinCode("0009"), 100), grams("", 100)}}),
				&types.MsgDispatch{Buyer: marketUSCC, Items: items(cq(gtinCode("0001"), 99_999))})
		}, types.ErrInsufficientQuantity, kImp, false},
		{"third message refused, dispatch and split undone", func(c *testChain, f refusalFixture) []byte {
			return c.tx(kImp,
				&types.MsgDispatch{Buyer: marketUSCC, Items: items(cq(gtinCode("0001"), 100))},
				&types.MsgSplit{Parent: gtinCode("0002"), Children: []*types.NewCode{{Quantity: 10}}},
				&types.MsgReceive{Consignment: f.open, Received: items(cq(gtinCode("0001"), 3000))})
		}, types.ErrNotBuyer, kImp, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, f := refusalChain(t)
			before, hashBefore := dumpAt(t, c.app, c.app.tree.Version()), c.appHash()
			raw := tc.tx(c, f)

			chk := checkTx(t, c.app, raw)
			switch {
			case tc.checkTxGap && chk.Code == 0:
				t.Logf("known gap: CheckTx accepted a tx the block refuses with %s (CheckTx runs with a zero block time)", tc.want.Name)
			case chk.Code != tc.want.Code:
				t.Fatalf("CheckTx: code %d (%s), want %d (%s)", chk.Code, chk.Log, tc.want.Code, tc.want.Name)
			case chk.Codespace != types.Codespace || chk.Log == "":
				t.Fatalf("CheckTx: codespace %q log %q", chk.Codespace, chk.Log)
			}
			res := c.block(raw)
			if res[0].Code != tc.want.Code {
				t.Fatalf("FinalizeBlock: code %d (%s), want %d (%s)", res[0].Code, res[0].Log, tc.want.Code, tc.want.Name)
			}
			if res[0].Codespace != types.Codespace || !strings.HasPrefix(res[0].Log, tc.want.Name+": ") {
				t.Fatalf("FinalizeBlock: codespace %q log %q", res[0].Codespace, res[0].Log)
			}
			if len(res[0].Events) != 0 {
				t.Fatalf("a refused tx emitted events: %v", res[0].Events)
			}
			after := dumpAt(t, c.app, c.app.tree.Version())
			if tc.consumes == nil {
				if changed := changedKeys(before, after); len(changed) != 0 || !bytes.Equal(hashBefore, c.appHash()) {
					t.Fatalf("a stateless refusal changed state: keys %q", changed)
				}
				return
			}
			if len(changedKeys(before, after)) == 0 {
				t.Fatal("the refusal did not consume the signer's sequence")
			}
			if msg := onlySequenceConsumed(before, after, pub(tc.consumes)); msg != "" {
				t.Fatal(msg)
			}
			if again := c.block(raw); again[0].Code != types.ErrBadSequence.Code {
				t.Fatalf("replay after refusal: code %d, want bad sequence", again[0].Code)
			}
			checkConserved(t, c.app)
		})
	}
}

// TestTraceSuccessPaths walks what TestTraceJourney does not: logistic
// units end to end, sensor reports with and without an excursion, a
// carrier's report, corrections by the actor and by a regulator, adding
// codes to a batch, and the list and proof queries.
func TestTraceSuccessPaths(t *testing.T) {
	c := traceChain(t)
	c.mustBlock(c.tx(kDistrict, regEnterprise(carrierUSCC, districtDiv, types.EnterpriseKind_ENTERPRISE_KIND_LOGISTICS, kCarrier)))
	code1, code2 := gtinCode("0001"), gtinCode("0002")
	batchID := importerUSCC + "/B2023"
	res := c.ok(c.tx(kImp, &types.MsgCommission{Batch: "B2023", Facts: testFacts(), Codes: []*types.NewCode{
		grams(code1, 10_000), grams(code2, 10_000), grams("", 10_000),
	}}))
	native := attr(t, res, "issued_code", "code")[0]
	rec := func(code string) *types.CodeRecord {
		t.Helper()
		return queryRecord[*types.CodeRecord](t, c, "/trace/code?code="+url.QueryEscape(code))
	}
	if b := queryRecord[*types.Batch](t, c, "/trace/batch?id="+url.QueryEscape(batchID)); b.Codes != 3 {
		t.Fatalf("new batch counts %d codes", b.Codes)
	}

	// Pack: the unit is created on first use (written as an element
	// string), then filled further.
	res = c.ok(c.tx(kImp, &types.MsgAggregate{Unit: "(00)106141411234567897", Items: []*types.CodeQuantity{cq(code1, 4000), cq(native, 3000)}}))
	if got := attr(t, res, "aggregate", "unit"); len(got) != 1 || got[0] != unitSSCC {
		t.Fatalf("aggregate event names unit %v", got)
	}
	packing := historyHashes(t, c.app, code1)[1]
	c.ok(c.tx(kImp, &types.MsgAggregate{Unit: unitSSCC, Items: []*types.CodeQuantity{cq(code1, 1000)}}))
	u := rec(unitSSCC)
	if !u.LogisticUnit || u.HeldBy(importerUSCC) != 1 || u.Commissioned != 1 || len(u.Contents) != 2 ||
		u.Contents[0].Code != code1 || u.Contents[0].Quantity != 5000 || u.Contents[1].Code != native || u.Contents[1].Quantity != 3000 {
		t.Fatalf("unit after packing: %v", u)
	}
	if r := rec(code1); r.HeldBy(importerUSCC) != 5000 || r.InUnits != 5000 {
		t.Fatalf("%s after packing: %v", code1, r)
	}

	// Ship the unit: one consignment item, the unit, quantity 1, with a carrier.
	res = c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Carrier: carrierUSCC, Reference: "DN-0042", Items: []*types.CodeQuantity{cq(unitSSCC, 1)}}))
	conHex := attr(t, res, "dispatch", "consignment")[0]
	con := mustHex(t, conHex)
	consignment := queryRecord[*types.Consignment](t, c, "/trace/consignment/"+conHex)
	if len(consignment.Items) != 1 || consignment.Items[0].Code != unitSSCC || consignment.Items[0].Quantity != 1 || consignment.Carrier != carrierUSCC || consignment.Received {
		t.Fatalf("consignment %v", consignment)
	}
	if u := rec(unitSSCC); u.InTransit != 1 || len(u.Holdings) != 0 {
		t.Fatalf("unit in transit: %v", u)
	}
	inbound := queryRecord[*types.ConsignmentList](t, c, "/trace/inbound/"+marketUSCC)
	if len(inbound.Consignments) != 1 || !bytes.Equal(inbound.Consignments[0].Id, con) {
		t.Fatalf("inbound before receipt: %v", inbound)
	}
	if none := queryRecord[*types.ConsignmentList](t, c, "/trace/inbound/"+shopUSCC); len(none.Consignments) != 0 {
		t.Fatalf("the shop has inbound %v", none)
	}

	// The carrier reports the truck's temperature: within range, no
	// excursion; the reading reaches the unit's contents.
	eventsBefore := rec(code1).Events
	res = c.ok(c.tx(kCarrier, &types.MsgSensorReport{Consignment: con, MinCenti: -2600, MaxCenti: -2000, StartUnix: 1_699_990_000, EndUnix: 1_699_999_000, DeviceId: "truck-7"}))
	if got := attr(t, res, "sensor_report", "excursion"); len(got) != 1 || got[0] != "false" {
		t.Fatalf("excursion attribute %v", got)
	}
	if r := rec(code1); r.Excursions != 0 || r.Events != eventsBefore+1 {
		t.Fatalf("%s after the carrier's report: %v", code1, r)
	}
	if e := lastEvent(t, c.app, code1); e.BizStep != "sensor_reporting" || e.Excursion || !bytes.Equal(e.Consignment, con) || e.Actor != carrierUSCC {
		t.Fatalf("carrier's sensor event %v", e)
	}

	// The market receives the unit and unpacks it.
	c.ok(c.tx(kMarket, &types.MsgReceive{Consignment: con, Received: []*types.CodeQuantity{cq("(00)106141411234567897", 1)}}))
	if after := queryRecord[*types.ConsignmentList](t, c, "/trace/inbound/"+marketUSCC); len(after.Consignments) != 0 {
		t.Fatalf("inbound after receipt: %v", after)
	}
	if u := rec(unitSSCC); u.HeldBy(marketUSCC) != 1 || u.InTransit != 0 || u.Discrepancy != 0 {
		t.Fatalf("unit after receipt: %v", u)
	}
	res = c.ok(c.tx(kMarket, &types.MsgDisaggregate{Unit: unitSSCC}))
	if got := attr(t, res, "disaggregate", "unit"); len(got) != 1 || got[0] != unitSSCC {
		t.Fatalf("disaggregate event names unit %v", got)
	}
	unpacking := historyHashes(t, c.app, unitSSCC)
	unpackingHash := unpacking[len(unpacking)-1]
	if r := rec(code1); r.HeldBy(marketUSCC) != 5000 || r.HeldBy(importerUSCC) != 5000 || r.InUnits != 0 {
		t.Fatalf("%s after unpacking: %v", code1, r)
	}
	if r := rec(native); r.HeldBy(marketUSCC) != 3000 || r.HeldBy(importerUSCC) != 7000 || r.InUnits != 0 {
		t.Fatalf("%s after unpacking: %v", native, r)
	}
	if u := rec(unitSSCC); len(u.Contents) != 0 || u.HeldBy(marketUSCC) != 1 {
		t.Fatalf("unit after unpacking: %v", u)
	}
	holdings := queryRecord[*types.CodeList](t, c, "/trace/holdings/"+marketUSCC)
	if want := []string{code1, unitSSCC, native}; !sameStrings(holdings.Codes, want) {
		t.Fatalf("market holds %v, want %v", holdings.Codes, want)
	}

	// The forward trace of code 0001 reaches the market through the unit.
	tr := queryRecord[*types.Trace](t, c, "/trace/forward?code="+url.QueryEscape(code1))
	if !sameStrings(tr.Enterprises, []string{importerUSCC, marketUSCC}) {
		t.Fatalf("forward trace of %s reaches %v", code1, tr.Enterprises)
	}
	viaUnit := false
	for _, s := range tr.Steps {
		viaUnit = viaUnit || s.BizStep == "receiving" && s.Code == unitSSCC && s.To == marketUSCC && s.From == importerUSCC
	}
	if !viaUnit {
		t.Fatalf("forward trace has no receipt of the unit: %v", tr.Steps)
	}

	// Sensor reports on held codes: outside the batch's range (-30.00 ..
	// -18.00 °C) an excursion is counted on the code, within it nothing.
	res = c.ok(c.tx(kMarket, &types.MsgSensorReport{Codes: []string{code1}, MinCenti: -1900, MaxCenti: -1500, StartUnix: 1_700_000_000, EndUnix: 1_700_000_600, DeviceId: "stall-3"}))
	if got := attr(t, res, "sensor_report", "excursion"); len(got) != 1 || got[0] != "true" {
		t.Fatalf("excursion attribute %v", got)
	}
	if r := rec(code1); r.Excursions != 1 {
		t.Fatalf("%s excursions %d, want 1", code1, r.Excursions)
	}
	if e := lastEvent(t, c.app, code1); e.BizStep != "sensor_reporting" || !e.Excursion || len(e.Codes) != 1 {
		t.Fatalf("excursion event %v", e)
	}
	c.ok(c.tx(kImp, &types.MsgSensorReport{Codes: []string{code2}, MinCenti: -3000, MaxCenti: -1800, StartUnix: 1_700_000_000, EndUnix: 1_700_000_600, DeviceId: "store-1"}))
	if r := rec(code2); r.Excursions != 0 {
		t.Fatalf("%s excursions %d after an in-range report", code2, r.Excursions)
	}
	if e := lastEvent(t, c.app, code2); e.BizStep != "sensor_reporting" || e.Excursion {
		t.Fatalf("in-range event %v", e)
	}

	// Corrections: by the actor and by a regulator above it. Each joins the
	// history of every code the original event touched; nothing else moves.
	correctAndCheck := func(k ed25519.PrivateKey, actor string, orig []byte) []byte {
		t.Helper()
		touched := storedEvent(t, c.app, orig).Codes
		before := map[string]*types.CodeRecord{}
		for _, code := range touched {
			before[code] = rec(code)
		}
		res := c.ok(c.tx(k, &types.MsgCorrect{Event: orig, Reason: types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA, Note: "wrong pallet"}))
		if got := attr(t, res, "correct", "event"); len(got) != 1 || got[0] != hex.EncodeToString(orig) {
			t.Fatalf("correct event attribute %v", got)
		}
		var decl []byte
		for _, code := range touched {
			now, old := rec(code), before[code]
			if now.Events != old.Events+1 {
				t.Fatalf("%s: %d events after the correction, want %d", code, now.Events, old.Events+1)
			}
			hs := historyHashes(t, c.app, code)
			e := storedEvent(t, c.app, hs[len(hs)-1])
			if e.BizStep != "error_declaration" || e.Actor != actor {
				t.Fatalf("%s: last event %v", code, e)
			}
			if decl == nil {
				decl = hs[len(hs)-1]
			} else if !bytes.Equal(decl, hs[len(hs)-1]) {
				t.Fatal("the declaration is not one event shared by every touched code")
			}
			now.Events, now.Head, old.Events, old.Head = 0, nil, 0, nil
			if !proto.Equal(now, old) {
				t.Fatalf("%s changed beyond its history: %v, was %v", code, now, old)
			}
		}
		return decl
	}
	if e := storedEvent(t, c.app, packing); e.BizStep != "packing" || len(e.Codes) != 3 {
		t.Fatalf("packing event %v", e)
	}
	correctAndCheck(kImp, importerUSCC, packing)
	decl := correctAndCheck(kCity, cityDiv, unpackingHash)

	// More codes join the batch without facts, and with identical facts.
	c.ok(c.tx(kImp, &types.MsgCommission{Batch: "B2023", Codes: []*types.NewCode{grams(gtinCode("0003"), 5000), grams("", 1000)}}))
	c.ok(c.tx(kImp, &types.MsgCommission{Batch: "B2023", Facts: testFacts(), Codes: []*types.NewCode{grams(gtinCode("0004"), 5000)}}))
	b := queryRecord[*types.Batch](t, c, "/trace/batch?id="+url.QueryEscape(batchID))
	if b.Codes != 6 || !proto.Equal(b.Facts, testFacts()) {
		t.Fatalf("batch after adding codes: codes %d facts %v", b.Codes, b.Facts)
	}

	// The batch's codes, two per page.
	var listed []string
	after := ""
	for page := 0; ; page++ {
		p := queryRecord[*types.CodeList](t, c, "/trace/batch-codes?limit=2&id="+url.QueryEscape(batchID)+"&after="+url.QueryEscape(after))
		if len(p.Codes) > 2 {
			t.Fatalf("page of %d codes with limit 2", len(p.Codes))
		}
		listed = append(listed, p.Codes...)
		if p.Next == "" {
			break
		}
		after = p.Next
		if page > 10 {
			t.Fatal("paging does not end")
		}
	}
	if uint64(len(listed)) != b.Codes || !sort.StringsAreSorted(listed) {
		t.Fatalf("batch-codes listed %v, want %d sorted codes", listed, b.Codes)
	}
	for _, want := range []string{code1, code2, gtinCode("0003"), gtinCode("0004"), native} {
		if !contains(listed, want) {
			t.Fatalf("batch-codes %v misses %s", listed, want)
		}
	}

	// The regulator's declaration, proven against the app hash.
	q := c.query("/trace/event/"+hex.EncodeToString(decl), true)
	if q.Code != 0 {
		t.Fatalf("event query: code %d %s", q.Code, q.Log)
	}
	if !verifyOp(t, q, c.appHash()) {
		t.Fatal("event proof does not verify against the app hash")
	}
	var ev types.Event
	if err := proto.Unmarshal(q.Value, &ev); err != nil || ev.BizStep != "error_declaration" || ev.Actor != cityDiv {
		t.Fatalf("proven event %v (%v)", &ev, err)
	}
	if q := c.query("/trace/event/"+strings.Repeat("ab", 32), true); q.Code != types.ErrNotFound.Code || !verifyOp(t, q, c.appHash()) {
		t.Fatalf("absent event: code %d, or its non-membership proof does not verify", q.Code)
	}
	checkConserved(t, c.app)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sameStrings reports whether a and b hold the same strings, in any order.
func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = append([]string{}, a...), append([]string{}, b...)
	sort.Strings(a)
	sort.Strings(b)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// blockAt runs one block with an explicit block time.
func (c *testChain) blockAt(at time.Time, txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	c.height++
	res, err := c.app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: c.height, Time: at, Txs: txs})
	if err != nil {
		c.t.Fatalf("FinalizeBlock %d: %v", c.height, err)
	}
	if _, err := c.app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		c.t.Fatalf("Commit %d: %v", c.height, err)
	}
	return res.TxResults
}

// TestTraceRegressions keeps fixed defects fixed: split quantities that
// overflow, native codes taken by another enterprise, expired goods shipped
// inside a logistic unit.
func TestTraceRegressions(t *testing.T) {
	t.Run("split children quantities overflow", func(t *testing.T) {
		c := traceChain(t)
		c.ok(c.tx(kImp, &types.MsgCommission{Batch: "B2023", Facts: testFacts(), Codes: []*types.NewCode{grams(gtinCode("0001"), 10)}}))
		res := c.block(c.tx(kImp, &types.MsgSplit{Parent: gtinCode("0001"), Children: []*types.NewCode{{Quantity: math.MaxUint64}, {Quantity: 1}}}))[0]
		if res.Code == 0 {
			kids := attr(t, res, "issued_code", "code")
			parent := record(t, c.app, gtinCode("0001"))
			t.Fatalf("regression (app/trace.go split: total += ch.Quantity wraps): a holder of 10 g split into %d g + 1 g; "+
				"the parent still holds %d g with split_out %d, child %s was commissioned with %d g",
				uint64(math.MaxUint64), parent.HeldBy(importerUSCC), parent.SplitOut, kids[0], record(t, c.app, kids[0]).Commissioned)
		}
		if res.Code != types.ErrInvalidQuantity.Code && res.Code != types.ErrInsufficientQuantity.Code {
			t.Fatalf("overflowing split: code %d (%s)", res.Code, res.Log)
		}
	})

	t.Run("explicit native code of another issuer", func(t *testing.T) {
		c := traceChain(t)
		squatted := types.NativeCode(importerUSCC, 1).String()
		res := c.block(c.tx(kMarket, &types.MsgCommission{Batch: "M1", Facts: testFacts(), Codes: []*types.NewCode{grams(squatted, 5)}}))[0]
		if res.Code != 0 {
			return // refused: the importer's numbers cannot be taken
		}
		// The importer can now never issue a native code: its counter
		// stops at the taken number and every attempt rolls back.
		for i := 0; i < 2; i++ {
			r := c.block(c.tx(kImp, &types.MsgCommission{Batch: "B2023", Facts: testFacts(), Codes: []*types.NewCode{grams("", 5)}}))[0]
			if r.Code == types.ErrCodeExists.Code {
				t.Fatalf("regression (app/trace.go commission and split accept explicit native codes of any issuer and number): "+
					"the market commissioned %s, the importer's next native code; the importer's own native commissioning now fails: %s", squatted, r.Log)
			}
			if r.Code != 0 {
				t.Fatalf("importer's native commission: code %d (%s)", r.Code, r.Log)
			}
		}
	})

	t.Run("expired contents ship inside a unit", func(t *testing.T) {
		c := traceChain(t)
		facts := testFacts()
		facts.ExpiryDate = "2023-11-15" // block times of testChain are 2023-11-14
		code := gtinCode("0001")
		c.ok(c.tx(kImp, &types.MsgCommission{Batch: "B2023", Facts: facts, Codes: []*types.NewCode{grams(code, 1000)}}))
		c.ok(c.tx(kImp, &types.MsgAggregate{Unit: unitSSCC, Items: []*types.CodeQuantity{cq(code, 1000)}}))
		later := time.Date(2023, 11, 20, 8, 0, 0, 0, time.UTC)
		direct := c.blockAt(later, c.tx(kImp, &types.MsgSplit{Parent: code, Children: []*types.NewCode{{Quantity: 1}}}))[0]
		if direct.Code != types.ErrNotMovable.Code { // the code itself is refused as expired
			t.Fatalf("split of expired packed goods: code %d (%s)", direct.Code, direct.Log)
		}
		res := c.blockAt(later, c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: []*types.CodeQuantity{cq(unitSSCC, 1)}}))[0]
		if res.Code == 0 {
			t.Fatalf("regression (app/trace_changes.go movable returns nil for a logistic unit without looking at its contents): " +
				"a unit holding 1,000 g that expired on 2023-11-15 was dispatched on 2023-11-20")
		}
		if res.Code != types.ErrNotMovable.Code {
			t.Fatalf("dispatch of a unit of expired goods: code %d (%s)", res.Code, res.Log)
		}
	})
}
