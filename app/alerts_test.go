package app

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// svKindsByDivision counts open alerts as "KIND@DIVISION".
func svKindsByDivision(alerts []*types.Alert) map[string]int {
	out := map[string]int{}
	for _, a := range alerts {
		out[strings.TrimPrefix(a.Kind.String(), "ALERT_KIND_")+"@"+a.Division]++
	}
	return out
}

// TestAlertsRaisedInDivision: a positive test alerts the commissioner's
// division, a hold the holding regulator's, an excursion the reporter's,
// and a recall every division where goods remain.
func TestAlertsRaisedInDivision(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	c.ok(c.tx(kSVCustoms, svDeclare(svDecl, 40_000)))
	c.ok(c.tx(kImp, svCommission(svMainBatch, svImportedFacts(svDecl), 2, 20_000), svCommission("CN-A", svDomesticFacts(), 3, 10_000)))
	cn := func(i int) string { return svCode("CN-A", svSerial(i)) }
	res := c.mustBlock(
		c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(svMain("0001"), 20_000)}),
		c.tx(kImp, &types.MsgDispatch{Buyer: svShop2, Items: svItems(cn(2), 4000)}),
	)
	svReceiveAll(t, c, kSVWH, svConsignment(t, res[0]))
	svReceiveAll(t, c, kSVShop2, svConsignment(t, res[1]))
	c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(cn(3), 1000)})) // stays open
	if n := len(svOpenAlerts(t, c, "33")); n != 0 {
		t.Fatalf("%d alerts before anything happened", n)
	}

	before := c.now
	res = c.mustBlock(
		c.tx(kSVWH, svPositive(svMain("0001"))),
		c.tx(kCity, &types.MsgHold{Codes: []string{cn(1)}, Reason: "label mismatch"}),
		c.tx(kSVShop2, &types.MsgSensorReport{Codes: []string{cn(2)}, MinCenti: -1000, MaxCenti: -900, StartUnix: 1_700_000_000, EndUnix: 1_700_000_300, DeviceId: "T-7"}),
	)
	c.ok(c.tx(kDistrict, &types.MsgRecall{Batch: importerUSCC + "/CN-A", Reason: "listeria"}))
	got := svKindsByDivision(svOpenAlerts(t, c, "33"))
	want := map[string]int{
		"POSITIVE@" + districtDiv: 1, // the commissioner's division, not the warehouse's
		"HOLD@" + cityDiv:         1,
		"EXCURSION@330102":        1,
		"RECALL@330102":           1, "RECALL@" + districtDiv: 1, "RECALL@" + otherCityDiv: 1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("open alerts %v, want %v", got, want)
	}
	// The alert records carry what raised them.
	id := svParseID(t, svAlertIDs(t, res[0]))
	a := queryRecord[*types.Alert](t, c.testChain, "/supervision/alert/"+strconv.FormatUint(id, 10))
	if a.Kind != types.AlertKind_ALERT_KIND_POSITIVE || !a.Open || a.Batch != importerUSCC+"/"+svMainBatch ||
		a.Height != c.height-1 || a.TimeMs != before.Add(time.Second).UnixMilli() || !strings.Contains(a.Message, "Hangzhou CDC") {
		t.Fatalf("positive alert %v", a)
	}
	a = queryRecord[*types.Alert](t, c.testChain, "/supervision/alert/"+strconv.FormatUint(svParseID(t, svAlertIDs(t, res[1])), 10))
	if a.Kind != types.AlertKind_ALERT_KIND_HOLD || !svEqual(a.Codes, []string{cn(1)}) || !strings.Contains(a.Message, "label mismatch") {
		t.Fatalf("hold alert %v", a)
	}
	for _, r := range svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_RECALL) {
		if r.Batch != importerUSCC+"/CN-A" || !strings.Contains(r.Message, "listeria") {
			t.Fatalf("recall alert %v", r)
		}
	}
}

// TestNotReceivedAlert: a consignment still open UnreceivedAlertSeconds
// after its dispatch raises one alert in the buyer's division, at the first
// block whose time reaches the deadline; one received in time raises none.
func TestNotReceivedAlert(t *testing.T) {
	for _, seconds := range []uint32{72 * 3600, 60} {
		t.Run(fmt.Sprintf("%ds", seconds), func(t *testing.T) {
			p := types.DefaultParams()
			p.UnreceivedAlertSeconds = seconds
			c := newSVChain(t, p)
			svParties(c)
			c.ok(c.tx(kImp, svCommission("CN-NR", svDomesticFacts(), 2, 1000)))
			code := func(i int) string { return svCode("CN-NR", svSerial(i)) }
			res := c.mustBlock(
				c.tx(kImp, &types.MsgDispatch{Buyer: svShop2, Items: svItems(code(1), 1000)}),
				c.tx(kImp, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(code(2), 1000)}),
			)
			dispatched := c.now
			late, onTime := svConsignment(t, res[0]), svConsignment(t, res[1])
			svReceiveAll(t, c, kSVDiner2, onTime)
			due := dispatched.Add(time.Duration(seconds) * time.Second)

			c.at(due.Add(-time.Second))
			if n := len(svOpenAlerts(t, c, "33")); n != 0 {
				t.Fatalf("%d alerts a second before the deadline", n)
			}
			c.at(due)
			alerts := svOpenAlerts(t, c, "33")
			if len(alerts) != 1 {
				t.Fatalf("alerts at the deadline: %v", alerts)
			}
			a := alerts[0]
			if a.Kind != types.AlertKind_ALERT_KIND_NOT_RECEIVED || a.Division != "330102" || string(a.Consignment) != string(late) ||
				!svEqual(a.Codes, []string{code(1)}) || a.Height != c.height || a.TimeMs != due.UnixMilli() {
				t.Fatalf("not-received alert %v", a)
			}
			c.at(due.Add(time.Hour))
			if n := len(svOpenAlerts(t, c, "33")); n != 1 {
				t.Fatalf("%d alerts an hour later, want still 1", n)
			}
			// The late consignment can still be received.
			svReceiveAll(t, c, kSVShop2, late)
			stats := queryRecord[*types.StatsList](t, c.testChain, "/supervision/stats/330102?from="+due.Format(time.DateOnly)+"&to="+due.Format(time.DateOnly))
			if stats.Total.Alerts != 1 {
				t.Fatalf("stats of the alert's day: %v", stats)
			}
		})
	}
}

// TestExpiredHeldAlert: after a batch's expiry date, a block raises one
// alert in the commissioner's division when enterprises still hold some of
// it; an expired batch that is all sold raises none; expired goods do not move.
func TestExpiredHeldAlert(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	f := svDomesticFacts()
	f.ExpiryDate, f.ShelfLifeDays = "2023-11-20", 0
	c.ok(c.tx(kImp, svCommission("CN-EX", f, 2, 1000), svCommission("CN-SOLD", f, 1, 1000)))
	held, sold, gone := svCode("CN-EX", "0001"), svCode("CN-EX", "0002"), svCode("CN-SOLD", "0001")
	toShop := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svShop2, Items: svItems(sold, 1000, gone, 1000)})))
	svReceiveAll(t, c, kSVShop2, toShop)
	c.ok(c.tx(kSVShop2, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(sold, 1000, gone, 1000)}))

	c.at(time.Date(2023, 11, 20, 23, 59, 59, 0, time.UTC))
	if n := len(svOpenAlerts(t, c, "33")); n != 0 {
		t.Fatalf("%d alerts on the expiry date itself", n)
	}
	c.at(time.Date(2023, 11, 21, 0, 0, 0, 0, time.UTC))
	alerts := svOpenAlerts(t, c, "33")
	if len(alerts) != 1 {
		t.Fatalf("alerts the day after expiry: %v", alerts)
	}
	if a := alerts[0]; a.Kind != types.AlertKind_ALERT_KIND_EXPIRED_HELD || a.Division != districtDiv ||
		a.Batch != importerUSCC+"/CN-EX" || !svEqual(a.Codes, []string{held}) || !strings.Contains(a.Message, "2023-11-20") {
		t.Fatalf("expiry alert %v", a)
	}
	c.at(time.Date(2023, 11, 22, 0, 0, 0, 0, time.UTC))
	if n := len(svOpenAlerts(t, c, "33")); n != 1 {
		t.Fatalf("%d alerts two days after expiry, want still 1", n)
	}
	// Expired goods do not move, at CheckTx as in the block.
	raw := c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(held, 1000)})
	if chk := svCheckCode(t, c, raw); chk != types.ErrNotMovable.Code {
		t.Errorf("CheckTx of a dispatch of expired goods: code %d, want %d", chk, types.ErrNotMovable.Code)
	}
	if r := c.block(raw)[0]; r.Code != types.ErrNotMovable.Code {
		t.Fatalf("dispatch of expired goods: code %d (%s)", r.Code, r.Log)
	}
	// A regulator witnesses their destruction.
	c.ok(c.tx(kDistrict, &types.MsgDestroy{Code: held, Holder: importerUSCC, Quantity: 1000, Method: "incineration"}))
	checkConserved(t, c.app)
}

// TestCloneAlert: the clone rule compares provinces. Within Zhejiang a code
// may move between cities at any speed. A second province cannot be
// reached on a test chain (the root regulator registers only inside its
// own province and genesis knows one root), so the cross-province case is
// checked on the rule itself, changes.placed, over a branch of the state.
func TestCloneAlert(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-CL", svDomesticFacts(), 1, 1000)))
	code := svCode("CN-CL", "0001")
	toNingbo := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(code, 1000)})))
	svReceiveAll(t, c, kSVDiner2, toNingbo)
	if n := len(svAlertsOf(svOpenAlerts(t, c, "33"), types.AlertKind_ALERT_KIND_CLONE)); n != 0 {
		t.Fatalf("%d clone alerts for a move inside one province", n)
	}
	r := svRecord(t, c, code)
	if r.LastDivision != otherCityDiv || r.LastTimeMs != c.now.UnixMilli() {
		t.Fatalf("last placement %s at %d, want %s at %d", r.LastDivision, r.LastTimeMs, otherCityDiv, c.now.UnixMilli())
	}

	place := func(after time.Duration, division string) (*Context, *state.State) {
		st := state.New(state.NewCache(c.app.tree))
		ctx := &Context{Height: c.height + 1, Time: c.now.Add(after)}
		rec, err := st.Code(code)
		if err != nil {
			t.Fatal(err)
		}
		if err := newChanges(ctx, st).placed(rec, division, 3600); err != nil {
			t.Fatal(err)
		}
		return ctx, st
	}
	ctx, st := place(10*time.Minute, "310115")
	if len(ctx.events) != 1 || ctx.events[0].Type != "alert" {
		t.Fatalf("a move to Shanghai within the window raised %v", ctx.events)
	}
	a, err := st.Alert(1)
	if err != nil || a == nil {
		t.Fatalf("clone alert: %v %v", a, err)
	}
	if a.Kind != types.AlertKind_ALERT_KIND_CLONE || a.Division != "310115" || !svEqual(a.Codes, []string{code}) || !a.Open {
		t.Fatalf("clone alert %v", a)
	}
	if ctx, _ := place(time.Hour+time.Second, "310115"); len(ctx.events) != 0 {
		t.Fatalf("a move to Shanghai after the window raised %v", ctx.events)
	}
	if ctx, _ := place(time.Second, "330106"); len(ctx.events) != 0 {
		t.Fatalf("a move inside Zhejiang raised %v", ctx.events)
	}
}

// TestAlertListing: /supervision/alerts/{prefix} lists open alerts of a
// jurisdiction by division then id, page by page; acknowledging closes one.
func TestAlertListing(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-L", svDomesticFacts(), 6, 1000)))
	code := func(i int) string { return svCode("CN-L", svSerial(i)) }
	toNingbo := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(code(6), 1000)})))
	svReceiveAll(t, c, kSVDiner2, toNingbo)
	hold := func(k int) *types.MsgHold {
		return &types.MsgHold{Codes: []string{code(k)}, Reason: "sweep " + svSerial(k)}
	}
	res := c.mustBlock(
		c.tx(kDistrict, hold(1)), // alert 1 in 330106
		c.tx(kCity, hold(2)),     // 2 in 330100
		c.tx(kNingbo, hold(6)),   // 3 in 330200
		c.tx(kDistrict, hold(3)), // 4 in 330106
		c.tx(kCity, hold(4)),     // 5 in 330100
		c.tx(kRoot, hold(5)),     // 6 in 330000
	)
	for i, r := range res {
		if id := svParseID(t, svAlertIDs(t, r)); id != uint64(i+1) {
			t.Fatalf("tx %d raised alert %d", i, id)
		}
	}
	ids := func(alerts []*types.Alert) string {
		var s []string
		for _, a := range alerts {
			s = append(s, a.Division+"/"+strconv.FormatUint(a.Id, 10))
		}
		return strings.Join(s, " ")
	}
	for prefix, want := range map[string]string{
		"33":     "330000/6 330100/2 330100/5 330106/1 330106/4 330200/3",
		"3301":   "330100/2 330100/5 330106/1 330106/4",
		"330106": "330106/1 330106/4",
		"3302":   "330200/3",
		"330200": "330200/3",
		"3303":   "",
		"31":     "",
	} {
		if got := ids(svOpenAlerts(t, c, prefix)); got != want {
			t.Errorf("alerts under %s: %q, want %q", prefix, got, want)
		}
		// Page by page, with every page size.
		for limit := 1; limit <= 4; limit++ {
			var all []*types.Alert
			after := ""
			for page := 0; ; page++ {
				p := queryRecord[*types.AlertList](t, c.testChain, fmt.Sprintf("/supervision/alerts/%s?limit=%d&after=%s", prefix, limit, after))
				if len(p.Alerts) > limit {
					t.Fatalf("page of %d alerts with limit %d", len(p.Alerts), limit)
				}
				all = append(all, p.Alerts...)
				if p.Next == "" {
					break
				}
				last := p.Alerts[len(p.Alerts)-1]
				if p.Next != last.Division+"/"+strconv.FormatUint(last.Id, 10) {
					t.Fatalf("next %q after %v", p.Next, last)
				}
				after = p.Next
				if page > 10 {
					t.Fatal("paging does not end")
				}
			}
			if got := ids(all); got != want {
				t.Errorf("alerts under %s by pages of %d: %q, want %q", prefix, limit, got, want)
			}
		}
	}
	for _, bad := range []string{"/supervision/alerts/330", "/supervision/alerts/3301?limit=0", "/supervision/alerts/3301?after=330100", "/supervision/alerts/3301?after=3301/2", "/supervision/alert/x"} {
		if q := c.query(bad, false); q.Code != types.ErrBadQuery.Code {
			t.Errorf("%s: code %d, want bad query", bad, q.Code)
		}
	}

	// Acknowledging closes an alert: it leaves the open lists, its record stays.
	c.ok(c.tx(kCity, &types.MsgAcknowledge{Alert: 4, Comment: "checked at the market"}))
	ackHeight := c.height
	if got := ids(svOpenAlerts(t, c, "3301")); got != "330100/2 330100/5 330106/1" {
		t.Fatalf("open alerts after acknowledging 4: %q", got)
	}
	a := queryRecord[*types.Alert](t, c.testChain, "/supervision/alert/4")
	if a.Open || a.AcknowledgedBy != cityDiv || a.Comment != "checked at the market" || a.AcknowledgedHeight != ackHeight ||
		a.Division != districtDiv || a.Kind != types.AlertKind_ALERT_KIND_HOLD {
		t.Fatalf("acknowledged alert %v", a)
	}
	// The province acknowledges a Ningbo alert; a district cannot acknowledge the province's.
	c.ok(c.tx(kRoot, &types.MsgAcknowledge{Alert: 3, Comment: "handled by Ningbo"}))
	c.refused(c.tx(kDistrict, &types.MsgAcknowledge{Alert: 6, Comment: "x"}), types.ErrOutOfJurisdiction)
	if got := ids(svOpenAlerts(t, c, "33")); got != "330000/6 330100/2 330100/5 330106/1" {
		t.Fatalf("open alerts: %q", got)
	}
	if q := c.query("/supervision/alert/99", false); q.Code != types.ErrNotFound.Code {
		t.Fatalf("unknown alert: code %d", q.Code)
	}
}

// TestDayStats: the day counters of each division, and totals of a
// jurisdiction that leave out the flows internal to it.
func TestDayStats(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	day1, day2 := "2023-11-14", "2023-11-15"
	c.ok(c.tx(kSVCustoms, svDeclare(svDecl, 40_000)))
	c.ok(c.tx(kImp, svCommission("CN-ST", svDomesticFacts(), 3, 10_000), svCommission(svMainBatch, svImportedFacts(svDecl), 2, 20_000)))
	cn := func(i int) string { return svCode("CN-ST", svSerial(i)) }
	res := c.mustBlock(
		c.tx(kImp, &types.MsgDispatch{Buyer: marketUSCC, Items: svItems(cn(1), 1000)}),                       // inside 330106: no inflow
		c.tx(kImp, &types.MsgDispatch{Buyer: svShop2, Items: svItems(cn(1), 2000)}),                          // 330106 → 330102
		c.tx(kImp, &types.MsgDispatch{Buyer: svDiner2, Items: svItems(cn(2), 3000)}),                         // 330106 → 330200
		c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(svMain("0001"), 20_000, cn(2), 1000)}), // 330106 → 330100
	)
	c.mustBlock(
		c.tx(kMarket, svReceiveMsg(t, c, svConsignment(t, res[0]))),
		c.tx(kSVShop2, svReceiveMsg(t, c, svConsignment(t, res[1]))),
		c.tx(kSVDiner2, svReceiveMsg(t, c, svConsignment(t, res[2]))),
		c.tx(kSVWH, svReceiveMsg(t, c, svConsignment(t, res[3]))),
	)
	toWH := svConsignment(t, c.ok(c.tx(kSVShop2, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(cn(1), 300)}))) // 330102 → 330100
	svReceiveAll(t, c, kSVWH, toWH)
	c.mustBlock(
		c.tx(kSVShop2, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(cn(1), 500)}),
		c.tx(kMarket, &types.MsgSell{Kind: types.SaleKind_SALE_KIND_RETAIL, Items: svItems(cn(1), 100)}),
	)
	if c.now.Format(time.DateOnly) != day1 {
		t.Fatalf("day one ran into %s", c.now)
	}
	// Day two: a hold by the city and a positive test.
	c.at(time.Date(2023, 11, 15, 8, 0, 0, 0, time.UTC), c.tx(kCity, &types.MsgHold{Codes: []string{cn(3)}, Reason: "sweep"}))
	c.ok(c.tx(kSVWH, svPositive(svMain("0001"))))

	stats := func(prefix, from, to string) *types.StatsList {
		return queryRecord[*types.StatsList](t, c.testChain, fmt.Sprintf("/supervision/stats/%s?from=%s&to=%s", prefix, from, to))
	}
	flows := func(d *types.DayStats) string {
		var s []string
		for _, f := range d.Flows {
			s = append(s, fmt.Sprintf("%s/%s=%d", f.OriginCountry, f.SourceDivision, f.Quantity))
		}
		return strings.Join(s, " ")
	}
	row := func(l *types.StatsList, div, day string) *types.DayStats {
		t.Helper()
		for _, d := range l.Days {
			if d.Division == div && d.Day == day {
				return d
			}
		}
		t.Fatalf("no row %s %s in %v", div, day, l.Days)
		return nil
	}
	count := func(d *types.DayStats) string {
		return fmt.Sprintf("commissioned=%d received=%d sold=%d holds=%d positives=%d alerts=%d flows=[%s]",
			d.CodesCommissioned, d.QuantityReceivedFromOutside, d.QuantitySold, d.Holds, d.Positives, d.Alerts, flows(d))
	}

	all := stats("33", "", "")
	for _, r := range []struct{ div, day, want string }{
		{districtDiv, day1, "commissioned=5 received=0 sold=100 holds=0 positives=0 alerts=0 flows=[]"},
		{"330102", day1, "commissioned=0 received=2000 sold=500 holds=0 positives=0 alerts=0 flows=[CN/330106=2000]"},
		{otherCityDiv, day1, "commissioned=0 received=3000 sold=0 holds=0 positives=0 alerts=0 flows=[CN/330106=3000]"},
		{cityDiv, day1, "commissioned=0 received=21300 sold=0 holds=0 positives=0 alerts=0 flows=[CN/330102=300 CN/330106=1000 EC/330106=20000]"},
		{cityDiv, day2, "commissioned=0 received=0 sold=0 holds=1 positives=0 alerts=1 flows=[]"},
		{districtDiv, day2, "commissioned=0 received=0 sold=0 holds=2 positives=1 alerts=1 flows=[]"},
	} {
		if got := count(row(all, r.div, r.day)); got != r.want {
			t.Errorf("%s %s: %s, want %s", r.div, r.day, got, r.want)
		}
	}
	for _, d := range all.Days {
		if d.Day != day1 && d.Day != day2 {
			t.Errorf("row of another day: %v", d)
		}
	}
	for _, r := range []struct{ prefix, from, to, want string }{
		// Everything inside Zhejiang: no flow comes from outside it.
		{"33", "", "", "commissioned=5 received=0 sold=600 holds=3 positives=1 alerts=2 flows=[]"},
		{"3301", day1, day1, "commissioned=5 received=0 sold=600 holds=0 positives=0 alerts=0 flows=[]"},
		{"3301", day2, "", "commissioned=0 received=0 sold=0 holds=3 positives=1 alerts=2 flows=[]"},
		{"330102", day1, day1, "commissioned=0 received=2000 sold=500 holds=0 positives=0 alerts=0 flows=[CN/330106=2000]"},
		// A city's code is the city with its districts, the province's the province.
		{"330100", "", "", "commissioned=5 received=0 sold=600 holds=3 positives=1 alerts=2 flows=[]"},
		{"330000", "", "", "commissioned=5 received=0 sold=600 holds=3 positives=1 alerts=2 flows=[]"},
		{"3302", "", day2, "commissioned=0 received=3000 sold=0 holds=0 positives=0 alerts=0 flows=[CN/330106=3000]"},
		{"3303", "", "", "commissioned=0 received=0 sold=0 holds=0 positives=0 alerts=0 flows=[]"},
	} {
		l := stats(r.prefix, r.from, r.to)
		if got := count(l.Total); got != r.want {
			t.Errorf("total of %s %s..%s: %s, want %s", r.prefix, r.from, r.to, got, r.want)
		}
		for _, d := range l.Days {
			if !strings.HasPrefix(d.Division, types.MustDivision(pad6(r.prefix)).Prefix()) || (r.from != "" && d.Day < r.from) || (r.to != "" && d.Day > r.to) {
				t.Errorf("%s %s..%s lists row %s %s", r.prefix, r.from, r.to, d.Division, d.Day)
			}
		}
	}
	if n := len(stats("3301", day2, "").Days); n != 2 {
		t.Errorf("3301 from %s: %d rows, want 2", day2, n)
	}
	for _, bad := range []string{"/supervision/stats/33?from=2023-13-01", "/supervision/stats/3?from=2023-11-14"} {
		if q := c.query(bad, false); q.Code != types.ErrBadQuery.Code {
			t.Errorf("%s: code %d, want bad query", bad, q.Code)
		}
	}
}

// TestListingStaysInPrefix: an "after" position below the prefix does not
// bring in alerts or holds of other divisions.
func TestListingStaysInPrefix(t *testing.T) {
	c := newSVChain(t, nil)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("CN-L", svDomesticFacts(), 2, 1000)))
	c.mustBlock(
		c.tx(kRoot, &types.MsgHold{Codes: []string{svCode("CN-L", "0001")}, Reason: "province"}), // alert 1 in 330000
		c.tx(kCity, &types.MsgHold{Codes: []string{svCode("CN-L", "0002")}, Reason: "city"}),     // alert 2 in 330100
	)
	p := queryRecord[*types.AlertList](t, c.testChain, "/supervision/alerts/3301?after=330000/0")
	for _, a := range p.Alerts {
		if !strings.HasPrefix(a.Division, "3301") {
			t.Errorf("BUG: /supervision/alerts/3301?after=330000/0 lists alert %d of %s "+
				"(query/supervision.go queryAlerts passes a start key below the prefix to state.KeysUnder, which iterates from it)", a.Id, a.Division)
		}
	}
	if len(p.Alerts) == 0 || p.Alerts[len(p.Alerts)-1].Id != 2 {
		t.Errorf("alerts of 3301 after 330000/0: %v", p.Alerts)
	}
}

// pad6 completes a jurisdiction prefix to its six-digit division code.
func pad6(p string) string { return (p + "000000")[:6] }
