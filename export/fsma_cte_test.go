package export

import (
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

// oneLot is the history of one code commissioned by the importer with the
// given facts, then sold to a business buyer and to a consumer; the
// commissioning happens at 07:00 in Hangzhou (23:00 UTC the day before).
func oneLot(t *testing.T, facts *types.ProductFacts) []History {
	t.Helper()
	f := &fixture{records: map[string]*types.CodeRecord{}, batches: map[string]*types.Batch{},
		enterprises: map[string]*types.Enterprise{}, consignments: map[string]*types.Consignment{}, named: map[string][]byte{}}
	for _, e := range []*types.Enterprise{
		{Uscc: importer, Name: "Hangzhou Ocean Imports Co.", Division: "330100"},
		{Uscc: market, Name: "Hangzhou Agricultural Wholesale Market", Division: district},
	} {
		f.enterprises[e.Uscc] = e
	}
	code := "/01/" + shrimpGT + "/10/L1/21/1"
	batchID := importer + "/L1"
	f.batches[batchID] = &types.Batch{Id: batchID, Batch: "L1", Commissioner: importer, Facts: facts}
	f.code(&types.CodeRecord{Code: code, BatchId: batchID, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS, Commissioned: 20_000})
	at := time.Date(2024, 3, 1, 7, 0, 0, 0, types.China).UnixMilli()
	when := func(ms int64) func(*types.Event) { return func(e *types.Event) { e.TimeMs = ms } }
	f.add(t, "commission", importer, "commissioning", &types.MsgCommission{Batch: "L1", Facts: facts, Codes: []*types.NewCode{grams(code, 20_000)}}, []string{code}, false, when(at))
	f.add(t, "sell to market", importer, "retail_selling", &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, BusinessBuyer: market, Items: []*types.CodeQuantity{cq(code, 5000)}}, []string{code}, false, when(at+minuteMs))
	f.add(t, "sell to consumer", importer, "retail_selling", &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: []*types.CodeQuantity{cq(code, 500)}}, []string{code}, false, when(at+2*minuteMs))
	return f.histories()
}

// TestFSMACommissionCTE: the first holder's event is the critical tracking
// event the rule gives the way the food came to it.
func TestFSMACommissionCTE(t *testing.T) {
	farmedShrimp := &types.ProductFacts{Name: "Frozen white shrimp", Category: "frozen shrimp", OriginCountry: "EC", Supplier: "Pacific Shrimp S.A.", CustomsDeclaration: "310120240000000001"}
	importedHairtail := &types.ProductFacts{Name: "Frozen hairtail", Category: "frozen fish", OriginCountry: "KR", Supplier: "FV Dongbang 7", CustomsDeclaration: "310120240000000002"}
	domesticHairtail := &types.ProductFacts{Name: "Frozen hairtail", Category: "frozen fish", OriginCountry: "CN", Supplier: "Zhoushan fishing fleet"}
	spinach := &types.ProductFacts{Name: "Fresh spinach", Category: "leafy greens", OriginCountry: "CN", Supplier: "Xiaoshan farm"}
	vessel := []string{importer + "/L1"}
	for _, tc := range []struct {
		name    string
		facts   *types.ProductFacts
		vessels []string
		cte     string
		cols    map[string]string
	}{
		{"farmed import", farmedShrimp, nil, CTEReceiving, map[string]string{
			"Immediate Previous Source": "Pacific Shrimp S.A.", "Ship From Location": "Pacific Shrimp S.A.",
			"Reference Document Type": "Customs Declaration", "Reference Document Number": "310120240000000001",
			"Key Data Elements Not on Chain": missingForeignLot + "; " + missingAddress,
		}},
		{"wild-caught import from a fishing vessel", importedHairtail, vessel, CTEFirstLandBasedReceiving, map[string]string{
			"Reference Document Type": "Customs Declaration", "Reference Document Number": "310120240000000002",
			"Key Data Elements Not on Chain": missingCatch + "; " + missingAddress, "Ship From Location": "",
		}},
		{"domestic catch from a fishing vessel", domesticHairtail, vessel, CTEFirstLandBasedReceiving, map[string]string{
			"Key Data Elements Not on Chain": missingCatch + "; " + missingAddress,
		}},
		{"domestic produce", spinach, nil, CTEInitialPacking, map[string]string{
			"Immediate Previous Source":      "Xiaoshan farm",
			"Key Data Elements Not on Chain": missingHarvest + "; " + missingCooling + "; " + missingAddress,
		}},
		{"imported fish not named as vessel-caught", importedHairtail, nil, CTEReceiving, nil},
		{"no facts", nil, nil, CTEInitialPacking, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := fixtureOptions()
			o.FishingVesselBatches = tc.vessels
			_, rows := parseFSMA(t, exportFSMA(t, oneLot(t, tc.facts), o))
			if len(rows) != 2 {
				t.Fatalf("%d rows, want the commissioning and the sale to a business", len(rows))
			}
			r := rows[0]
			if r[colCTE] != tc.cte {
				t.Fatalf("CTE %q, want %q", r[colCTE], tc.cte)
			}
			// 07:00 in Hangzhou is dated in Hangzhou.
			if r["Event Date"] != "2024-03-01" || r["Event Time (UTC+08:00)"] != "07:00:00" {
				t.Errorf("dated %s %s", r["Event Date"], r["Event Time (UTC+08:00)"])
			}
			for col, want := range tc.cols {
				if r[col] != want {
					t.Errorf("%s = %q, want %q", col, r[col], want)
				}
			}
			sale := rows[1]
			wantSale := map[string]string{colCTE: CTEShipping, "Quantity": "5000", "Unit of Measure": "g",
				"Ship From Location": "Hangzhou Ocean Imports Co. (USCC " + importer + "), 杭州市, 浙江省, CN",
				"Ship To Location":   "Hangzhou Agricultural Wholesale Market (USCC " + market + "), 西湖区, 杭州市, 浙江省, CN",
				"Event Date":         "2024-03-01", "Event Time (UTC+08:00)": "07:01:00",
			}
			for col, want := range wantSale {
				if sale[col] != want {
					t.Errorf("sale to a business: %s = %q, want %q", col, sale[col], want)
				}
			}
		})
	}
}
