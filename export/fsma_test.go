package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

func exportFSMA(t *testing.T, hs []History, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := FSMA(hs, o, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parseFSMA reads the spreadsheet back; encoding/csv also checks that every
// row has as many fields as the header.
func parseFSMA(t *testing.T, out []byte) (header []string, rows []map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("FSMA output is not CSV: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("no header row")
	}
	header = recs[0]
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, h := range header {
			row[h] = r[i]
		}
		rows = append(rows, row)
	}
	return header, rows
}

func TestFSMAGolden(t *testing.T) {
	f := newFixture(t)
	golden(t, "fsma.golden", exportFSMA(t, f.histories(), fixtureOptions()))
}

// TestFSMARows: one row per critical tracking event and lot, sorted by lot
// code then time; logistic units, sales, sensor readings, supervision and
// corrections have no rows of their own.
func TestFSMARows(t *testing.T) {
	f := newFixture(t)
	out := exportFSMA(t, f.histories(), fixtureOptions())
	if again := exportFSMA(t, f.histories(), fixtureOptions()); !bytes.Equal(out, again) {
		t.Fatal("two exports of the same histories differ")
	}
	header, rows := parseFSMA(t, out)
	if strings.Join(header, "|") != strings.Join(FSMAColumns, "|") {
		t.Fatalf("header %q", header)
	}
	for _, col := range []string{"Traceability Lot Code", "Product Description", "Quantity", "Unit of Measure", "CTE Type",
		"Event Date", "Event Time (UTC+08:00)", "Location Description", "Ship From Location", "Ship To Location",
		"Immediate Previous Source", "Traceability Lot Code Source", "Reference Document Type", "Reference Document Number", colEventID} {
		found := false
		for _, h := range header {
			found = found || h == col
		}
		if !found {
			t.Errorf("no column %q", col)
		}
	}
	lotP1, lotP2 := "(01)"+porkGTIN+"(10)P7(21)0001", "(01)"+porkGTIN+"(10)P7(21)0002"
	lotA1, lotA2 := "(01)"+shrimpGT+"(10)B2023(21)0001", "(01)"+shrimpGT+"(10)B2023(21)0002"
	lotN1, lotK1, lotK2 := lotCode(n1), lotCode(k1), lotCode(k2)
	want := []struct{ lot, cte, qty, uom, event string }{
		{lotP1, "Initial Packing", "1", "each", "commission pork"},
		{lotP1, "Shipping", "1", "each", "ship pork"},
		{lotP1, "Receiving", "1", "each", "shop receives pork"},
		{lotP2, "Initial Packing", "1", "each", "commission pork"},
		{lotA1, "Receiving", "10000", "g", "commission shrimp"},
		{lotA1, "Shipping", "6000", "g", "ship to warehouse"},
		{lotA1, "Receiving", "5900", "g", "warehouse receives"},
		{lotA1, "Shipping", "5900", "g", "ship pallet"},
		{lotA1, "Receiving", "5900", "g", "market receives pallet"},
		{lotA1, "Shipping", "1000", "g", "ship to restaurant"},
		{lotA1, "Receiving", "1000", "g", "restaurant receives"},
		{lotA2, "Receiving", "10000", "g", "commission shrimp"},
		{lotN1, "Receiving", "10000", "g", "commission shrimp"},
		{lotN1, "Shipping", "10000", "g", "ship to warehouse"},
		{lotN1, "Receiving", "10000", "g", "warehouse receives"},
		{lotN1, "Shipping", "4000", "g", "ship pallet"},
		{lotN1, "Receiving", "4000", "g", "market receives pallet"},
		{lotN1, "Transformation", "4000", "g", "split"},
		{lotK1, "Transformation", "2000", "g", "split"},
		{lotK1, "Shipping", "2000", "g", "ship children"},
		{lotK1, "Receiving", "2000", "g", "shop receives"},
		{lotK2, "Transformation", "2000", "g", "split"},
		{lotK2, "Shipping", "2000", "g", "ship children"},
		{lotK2, "Receiving", "2000", "g", "shop receives"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		r := rows[i]
		got := []string{r["Traceability Lot Code"], r["CTE Type"], r["Quantity"], r["Unit of Measure"], r[colEventID]}
		exp := []string{w.lot, w.cte, w.qty, w.uom, hexID(f.named[w.event])}
		if strings.Join(got, " ") != strings.Join(exp, " ") {
			t.Errorf("row %d: %q, want %q", i+1, got, exp)
		}
	}

	// The columns of a few rows in full.
	byEvent := func(lot, event string) map[string]string {
		for _, r := range rows {
			if r["Traceability Lot Code"] == lot && r[colEventID] == hexID(f.named[event]) {
				return r
			}
		}
		t.Fatalf("no row for %s in %s", lot, event)
		return nil
	}
	// Location descriptions: name, USCC, the divisions of the registered address.
	places := map[string]string{importer: "杭州市, 浙江省", market: "西湖区, 杭州市, 浙江省", warehouse: "萧山区, 杭州市, 浙江省", diner: "西湖区, 杭州市, 浙江省"}
	name := func(u string) string { return f.enterprises[u].Name + " (USCC " + u + "), " + places[u] + ", CN" }
	party := func(u string) string { return DefaultDigitalLinkBase + "/party/" + u }
	for _, tc := range []struct {
		lot, event string
		cols       map[string]string
	}{
		{lotA1, "commission shrimp", map[string]string{
			// 22:14 UTC is 06:14 the next day in Hangzhou.
			"Product Description": "Frozen white shrimp (frozen seafood)", "Event Date": "2023-11-15", "Event Time (UTC+08:00)": "06:14:20",
			"Location Description": name(importer), "Ship From Location": "Pacific Shrimp S.A.", "Ship To Location": name(importer),
			"Immediate Previous Source": "Pacific Shrimp S.A.", "Traceability Lot Code Source": name(importer),
			"Traceability Lot Code Source Reference": party(importer),
			"Reference Document Type":                "Customs Declaration", "Reference Document Number": "310120231000456789",
			"Key Data Elements Not on Chain": missingForeignLot + "; " + missingAddress,
			"GS1 Digital Link":               DefaultDigitalLinkBase + a1,
		}},
		{lotA1, "ship to warehouse", map[string]string{
			"Location Description": name(importer), "Ship From Location": name(importer), "Ship To Location": name(warehouse),
			"Reference Document Type": "Consignment; Delivery Note", "Reference Document Number": hexID(digest("consignment 1")) + "; DN-2023-001",
			"Key Data Elements Not on Chain": missingAddress,
			"Correction":                     "incorrect data, declared 2023-11-14T22:16:20.000Z by " + name(importer) + " (event " + hexID(f.named["delivery note mistyped"]) + "): delivery note is DN-2023-010",
		}},
		{lotA1, "restaurant receives", map[string]string{ // the consignment's record is not given: the sender comes from the shipment
			"Location Description": name(diner), "Ship From Location": name(market), "Ship To Location": name(diner),
			"Immediate Previous Source": name(market), "Traceability Lot Code Source": name(importer), "Correction": "",
		}},
		{lotK1, "split", map[string]string{
			"Location Description": name(market), "Traceability Lot Code Source": name(market),
			"Input Traceability Lot Codes": lotN1, "New Traceability Lot Codes": lotK1 + "; " + lotK2,
			"Reference Document Type": "Chain Event", "Reference Document Number": hexID(f.named["split"]),
		}},
		{lotP1, "commission pork", map[string]string{"CTE Type": "Initial Packing", "Product Description": "Frozen pork belly (frozen meat)",
			"Key Data Elements Not on Chain": missingHarvest + "; " + missingCooling + "; " + missingAddress}},
	} {
		r := byEvent(tc.lot, tc.event)
		for col, want := range tc.cols {
			if r[col] != want {
				t.Errorf("%s in %s: %s = %q, want %q", tc.lot, tc.event, col, r[col], want)
			}
		}
	}
}

// TestFSMAUnseenPacking: a code shipped inside a pallet whose packing the
// histories do not show gets its row, with the quantity left blank.
func TestFSMAUnseenPacking(t *testing.T) {
	f := newFixture(t)
	var h History
	for _, x := range f.histories() {
		if x.Code.Code == a1 {
			h = x
		}
	}
	var trimmed History
	trimmed = h
	trimmed.Events, trimmed.EventHashes = nil, nil
	for i, ev := range h.Events {
		if ev.Msg.GetAggregate() == nil {
			trimmed.Events = append(trimmed.Events, ev)
			trimmed.EventHashes = append(trimmed.EventHashes, h.EventHashes[i])
		}
	}
	_, rows := parseFSMA(t, exportFSMA(t, []History{trimmed}, fixtureOptions()))
	found := false
	for _, r := range rows {
		if r[colEventID] == hexID(f.named["ship pallet"]) {
			found = true
			if r["Quantity"] != "" || r["Unit of Measure"] != "g" || r["CTE Type"] != "Shipping" {
				t.Errorf("pallet shipment row %v", r)
			}
		}
	}
	if !found {
		t.Fatal("no row for the pallet shipment")
	}
}

func TestFSMAErrors(t *testing.T) {
	f := newFixture(t)
	var buf bytes.Buffer
	if err := FSMA(f.histories(), Options{}, &buf); err == nil || !strings.Contains(err.Error(), "ChainID") {
		t.Fatalf("error %v", err)
	}
	bad := []History{{Code: &types.CodeRecord{Code: a1}, Events: []*types.Event{{Msg: types.WrapMsg(&types.MsgDispatch{Items: []*types.CodeQuantity{cq("not a code", 1)}})}}, EventHashes: [][]byte{digest("x")}}}
	if err := FSMA(bad, fixtureOptions(), &buf); err == nil || !strings.Contains(err.Error(), "items[0]") {
		t.Fatalf("error %v", err)
	}
}
