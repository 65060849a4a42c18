package app

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// TestProvinceFigures (rules v3): the figures the province reports, by
// China's day, rolled up from district to city to province: imported goods
// declared and commissioned by origin and port, grams entered into and
// released from supervision warehouses, destroyed, and blocked (the whole
// batch is held at a positive result, released or not), positives of
// goods, staff and environment, enterprises on board by kind, scans by kind.
func TestProvinceFigures(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV3)
	svParties(c)
	c.ok(c.tx(kSVCustoms, svDeclare(svDecl, 100_000)))
	c.ok(c.tx(kImp, svCommission("EC-F", svImportedFacts(svDecl), 3, 20_000)))
	codes := []string{svCode("EC-F", "0001"), svCode("EC-F", "0002"), svCode("EC-F", "0003")}
	v3ToWarehouse(t, c, 20_000, codes...)
	c.ok(c.tx(kSVCustoms, v3Inspect(v3Batch("EC-F"), "IQ-1")))
	c.ok(c.tx(kSVWH, v3Sample(v3Batch("EC-F"))))
	c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: codes[:2], DisinfectionCertificate: "DS-1"}))
	doc := sha256.Sum256([]byte("destruction"))
	c.ok(c.tx(kCity, &types.MsgDestroy{Code: codes[2], Holder: svWHUSCC, Quantity: 5_000, Method: "incineration", DocumentHash: doc[:]}))
	c.ok(c.tx(kSVWH, svPositive(codes[2])))
	site := sha256.Sum256([]byte("swabs"))
	c.ok(c.tx(kCity, &types.MsgRecordSiteTest{Site: svWHUSCC, Subject: types.SiteSubject_SITE_SUBJECT_SURFACE, Samples: 20, Positives: 3,
		Lab: "Hangzhou CDC", SampleDate: "2023-11-14", DocumentHash: site[:]}))

	stats := func(div, by string) *types.StatsList {
		return queryRecord[*types.StatsList](t, c.testChain, fmt.Sprintf("/supervision/stats/%s?by=%s", div, by))
	}
	province := stats("330000", "day").Total
	figures := func(s *types.DayStats) string {
		imports := ""
		for _, f := range s.Imports {
			imports += fmt.Sprintf("%s/%s declared=%d commissioned=%d ", f.OriginCountry, f.Port, f.DeclaredGrams, f.CommissionedGrams)
		}
		kinds := func(l []*types.KindCount) string {
			out := ""
			for _, k := range l {
				out += fmt.Sprintf("%s=%d ", k.Kind, k.Count)
			}
			return out
		}
		return fmt.Sprintf("%scommissioned=%dg entered=%dg released=%dg destroyed=%dg blocked=%dg positives=%d staff=%d env=%d | %s| %s",
			imports, s.CommissionedGrams, s.WarehouseEnteredGrams, s.WarehouseReleasedGrams, s.DestroyedGrams, s.BlockedGrams,
			s.Positives, s.PositivesStaff, s.PositivesEnvironment, kinds(s.EnterprisesRegistered), kinds(s.Scans))
	}
	want := "EC/Shanghai Yangshan declared=100000 commissioned=60000 commissioned=60000g entered=60000g released=40000g destroyed=5000g blocked=55000g positives=1 staff=0 env=3 | " +
		"importer=1 restaurant=2 supermarket=2 supervision-warehouse=2 wholesale-market=1 | commissioning=1 receiving=1 releasing=1 sampling=2 shipping=1 storing=1 "
	if got := figures(province); got != want {
		t.Fatalf("province figures\n got %s\nwant %s", got, want)
	}
	// The city (its warehouse, its district's importer) and the district roll up to it.
	city, district := stats("330100", "day").Total, stats("330106", "day").Total
	if city.WarehouseReleasedGrams != 40_000 || city.CommissionedGrams != 60_000 || district.WarehouseReleasedGrams != 0 || district.CommissionedGrams != 60_000 {
		t.Fatalf("city %s / district %s", figures(city), figures(district))
	}
	if ningbo := stats("330200", "day").Total; ningbo.CommissionedGrams != 0 || len(ningbo.EnterprisesRegistered) != 2 {
		t.Fatalf("Ningbo %s", figures(ningbo))
	}
	months := stats("330000", "month")
	for _, d := range months.Days {
		if len(d.Day) != 7 {
			t.Fatalf("by=month row %s %s", d.Division, d.Day)
		}
	}
	if got := figures(months.Total); got != want {
		t.Fatalf("by month the total is the same\n got %s\nwant %s", got, want)
	}
}
