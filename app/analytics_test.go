package app

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// analyticsScenario (rules v3) moves figures of every kind: a declaration
// and its commission, warehouse entry and release, a destruction, a
// positive test and a site test, receipts in another district and another
// city, and a consignment never received, whose alert a block raises.
func analyticsScenario(t *testing.T, c *svChain) {
	svParties(c)
	c.ok(c.tx(kSVCustoms, svDeclare(svDecl, 100_000)))
	c.ok(c.tx(kImp, svCommission("EC-F", svImportedFacts(svDecl), 4, 20_000)))
	codes := []string{svCode("EC-F", "0001"), svCode("EC-F", "0002"), svCode("EC-F", "0003"), svCode("EC-F", "0004")}
	v3ToWarehouse(t, c, 20_000, codes...)
	c.ok(c.tx(kSVCustoms, v3Inspect(v3Batch("EC-F"), "IQ-1")))
	c.ok(c.tx(kSVWH, v3Sample(v3Batch("EC-F"))))
	c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: codes[:3], DisinfectionCertificate: "DS-1"}))
	toNingbo := svConsignment(t, c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(codes[0], uint64(20_000))})))
	svReceiveAll(t, c, kSVDiner2, toNingbo)
	toShop := svConsignment(t, c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: svShop2, Items: svItems(codes[1], uint64(15_000))})))
	svReceiveAll(t, c, kSVShop2, toShop)
	c.ok(c.tx(kSVWH, &types.MsgDispatch{Buyer: svShop2, Items: svItems(codes[1], uint64(5_000))})) // never received
	doc := sha256.Sum256([]byte("destruction"))
	c.ok(c.tx(kCity, &types.MsgDestroy{Code: codes[3], Holder: svWHUSCC, Quantity: 5_000, Method: "incineration", DocumentHash: doc[:]}))
	c.ok(c.tx(kSVWH, svPositive(codes[2])))
	site := sha256.Sum256([]byte("swabs"))
	c.ok(c.tx(kCity, &types.MsgRecordSiteTest{Site: svWHUSCC, Subject: types.SiteSubject_SITE_SUBJECT_SURFACE, Samples: 20, Positives: 3,
		Lab: "Hangzhou CDC", SampleDate: "2023-11-14", DocumentHash: site[:]}))
	c.at(c.now.Add(4 * 24 * time.Hour)) // the unreceived consignment's alert, a block event
}

// TestAnalyticsEventsAddUpToStats: with analytics on, the figure events of
// every block and tx, summed by division and day, are exactly the chain's
// day figures (all but the kind lists, which they do not carry); every
// attribute is indexed; and the app hashes are those of a node without
// analytics.
func TestAnalyticsEventsAddUpToStats(t *testing.T) {
	plain := newSVChainRules(t, nil, types.RulesV3)
	tapped := newSVChainRules(t, nil, types.RulesV3)
	tapped.app.EnableAnalytics()
	analyticsScenario(t, plain)
	analyticsScenario(t, tapped)
	if len(plain.recorded) != len(tapped.recorded) {
		t.Fatalf("%d blocks without analytics, %d with", len(plain.recorded), len(tapped.recorded))
	}
	for i := range plain.recorded {
		if p, a := plain.recorded[i], tapped.recorded[i]; !bytes.Equal(p.AppHash, a.AppHash) || !slices.Equal(p.Codes, a.Codes) {
			t.Fatalf("height %d: app hash %X codes %v without analytics, %X %v with", p.Height, p.AppHash, p.Codes, a.AppHash, a.Codes)
		}
	}
	for _, e := range plain.events {
		if e.Type == "figures" || e.Type == "figures_import" || e.Type == "figures_flow" {
			t.Fatalf("a node without analytics emitted %s", e.Type)
		}
	}

	got, seen := figuresAddUp(t, tapped)
	if len(seen) != 3 {
		t.Fatalf("the scenario emitted only %v", seen)
	}
	// What the scenario is for: each view has rows to show.
	for _, need := range []string{"flows:", "imports:", "warehouse_released_grams:", "positives:", "alerts:"} {
		if !bytes.Contains([]byte(fmt.Sprint(got)), []byte(need)) {
			t.Errorf("no %s in %v", need, got)
		}
	}
}

// withoutFigures drops the figure events of an analytics node's results.
func withoutFigures(events []abci.Event) []abci.Event {
	var out []abci.Event
	for _, e := range events {
		if e.Type != "figures" && e.Type != "figures_import" && e.Type != "figures_flow" {
			out = append(out, e)
		}
	}
	return out
}

// figuresAddUp fails unless the figure events of c (an analytics node),
// summed by division and day, are exactly the chain's day figures (all but
// the kind lists, which they do not carry), every attribute is indexed and
// no event names an attribute twice (CometBFT's psql sink keeps one value
// per event and key: a second insert fails, and the block with it is not
// indexed). It returns the sums, as text, and the figure event types seen.
func figuresAddUp(t *testing.T, c *svChain) ([]string, map[string]bool) {
	t.Helper()
	sums := map[[2]string]*types.DayStats{}
	seen := map[string]bool{}
	for _, e := range c.events {
		attrs := map[string]string{}
		for _, a := range e.Attributes {
			if !a.Index {
				t.Fatalf("%s.%s is not indexed", e.Type, a.Key)
			}
			if _, twice := attrs[a.Key]; twice {
				t.Fatalf("event %s names attribute %s twice: %v", e.Type, a.Key, e.Attributes)
			}
			attrs[a.Key] = a.Value
		}
		if e.Type != "figures" && e.Type != "figures_import" && e.Type != "figures_flow" {
			continue
		}
		seen[e.Type] = true
		k := [2]string{attrs["division"], attrs["day"]}
		d := sums[k]
		if d == nil {
			d = &types.DayStats{Division: k[0], Day: k[1]}
			sums[k] = d
		}
		n := func(key string) uint64 {
			v, err := strconv.ParseUint(attrs[key], 10, 64)
			if err != nil && attrs[key] != "" {
				t.Fatalf("%s.%s = %q", e.Type, key, attrs[key])
			}
			return v
		}
		switch e.Type {
		case "figures":
			d.CodesCommissioned += n("codes_commissioned")
			d.QuantityReceivedFromOutside += n("quantity_received_from_outside")
			d.QuantitySold += n("quantity_sold")
			d.Holds += n("holds")
			d.Positives += n("positives")
			d.Alerts += n("alerts")
			d.WarehouseEnteredGrams += n("warehouse_entered_grams")
			d.WarehouseReleasedGrams += n("warehouse_released_grams")
			d.DestroyedGrams += n("destroyed_grams")
			d.BlockedGrams += n("blocked_grams")
			d.PositivesStaff += n("positives_staff")
			d.PositivesEnvironment += n("positives_environment")
			d.CommissionedGrams += n("commissioned_grams")
		case "figures_import":
			f := d.Import(attrs["origin"], attrs["port"])
			f.DeclaredGrams += n("declared_grams")
			f.CommissionedGrams += n("commissioned_grams")
		case "figures_flow":
			d.AddFlow(attrs["origin"], attrs["source"], n("quantity"), true)
		}
	}
	stats := queryRecord[*types.StatsList](t, c.testChain, "/supervision/stats/33?by=day")
	var want []string
	for _, d := range stats.Days {
		d.EnterprisesRegistered, d.Scans = nil, nil
		if !proto.Equal(d, &types.DayStats{Division: d.Division, Day: d.Day}) {
			want = append(want, fmt.Sprint(d))
		}
	}
	var got []string
	for _, d := range sums {
		got = append(got, fmt.Sprint(d))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("figure events add up to\n%v\nthe chain's figures are\n%v", got, want)
	}
	return got, seen
}
