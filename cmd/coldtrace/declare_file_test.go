package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

const feedHeader = "number,port,date,importer,goods,gtin,hs_code,origin,quantity,unit,net_grams\n"

func TestParseDeclarationsCSV(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		want      string // declarations as NUMBER:lines, or the error's words
	}{
		{"lines grouped by number", feedHeader +
			"310420260000000001,Ningbo,2026-11-20,91330106MA2CFX8Q1D,frozen shrimp,09521234543213,,EC,100000,grams,\n" +
			"310420260000000001,Ningbo,2026-11-20,91330106MA2CFX8Q1D,frozen beef,,0202300090,AR,10,pieces,250000\n" +
			"310420260000000002,Ningbo,2026-11-21,91330106MA2CFX8Q1D,frozen squid,,0307430000,PE,5000,,\n",
			"310420260000000001:2 310420260000000002:1"},
		{"columns in any order, a BOM", "\ufeffquantity,origin,goods,importer,date,port,number,gtin\n" +
			"100,EC,shrimp,91330106MA2CFX8Q1D,2026-11-20,Ningbo,310420260000000001,09521234543213\n", "310420260000000001:1"},
		{"missing column", "number,port,date,importer,goods,origin\n", `no "quantity" column`},
		{"bad quantity", feedHeader + "310420260000000001,P,2026-11-20,91330106MA2CFX8Q1D,g,09521234543213,,EC,12kg,grams,\n", "line 2: quantity"},
		{"bad number", feedHeader + "3104202600000001,P,2026-11-20,91330106MA2CFX8Q1D,g,09521234543213,,EC,1,grams,\n", "18-digit"},
		{"pieces without net weight", feedHeader + "310420260000000001,P,2026-11-20,91330106MA2CFX8Q1D,g,09521234543213,,EC,1,pieces,\n", "net_grams"},
		{"no goods id", feedHeader + "310420260000000001,P,2026-11-20,91330106MA2CFX8Q1D,g,,,EC,1,grams,\n", "neither gtin nor hs_code"},
		{"one number, two importers", feedHeader +
			"310420260000000001,P,2026-11-20,91330106MA2CFX8Q1D,g,09521234543213,,EC,1,grams,\n" +
			"310420260000000001,P,2026-11-20,91330100MA2B5HKW1J,g,09521234543213,,EC,1,grams,\n", "line 3: declaration 310420260000000001 has another"},
		{"header only", feedHeader, "no rows"},
		{"empty", "", "header row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := parseDeclarationsCSV(strings.NewReader(tc.csv))
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				var parts []string
				for _, d := range ds {
					parts = append(parts, d.Number+":"+itoa(len(d.Lines)))
				}
				got = strings.Join(parts, " ")
			}
			if !strings.Contains(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPackDeclarations: txs keep under the chain's byte and message limits,
// in order, and nothing is dropped.
func TestPackDeclarations(t *testing.T) {
	var ds []*types.MsgDeclare
	for i := 0; i < 250; i++ {
		d := &types.MsgDeclare{Number: fmt.Sprintf("3104202600000%05d", i), Port: "Ningbo", Date: "2026-11-20", Importer: "91330106MA2CFX8Q1D"}
		for j := 0; j < 1+i%7; j++ {
			d.Lines = append(d.Lines, &types.DeclarationLine{Goods: strings.Repeat("frozen goods ", 10), Gtin: "09521234543213", OriginCountry: "EC", Quantity: 1000, Unit: types.QuantityUnit_QUANTITY_UNIT_GRAMS})
		}
		ds = append(ds, d)
	}
	txs, err := packDeclarations(ds, 8192, 20)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, msgs := range txs {
		size := 0
		for _, m := range msgs {
			if m.(*types.MsgDeclare) != ds[n] {
				t.Fatalf("tx %d: declarations out of order", i)
			}
			n++
			size += len(mustMarshal(t, types.WrapMsg(m)))
		}
		if len(msgs) > 20 || size > 8192-256 {
			t.Fatalf("tx %d: %d messages, %d bytes", i, len(msgs), size)
		}
	}
	if n != len(ds) {
		t.Fatalf("%d of %d declarations packed", n, len(ds))
	}
	if _, err := packDeclarations(ds[:1], 300, 20); err == nil || !strings.Contains(err.Error(), "split its lines") {
		t.Fatalf("a declaration over the limit: %v", err)
	}
}

func TestWeight(t *testing.T) {
	for g, want := range map[uint64]string{0: "0.000 kg", 999: "0.999 kg", 20_000: "20.000 kg", 999_999: "999.999 kg", 1_000_000: "1.000 t", 40_500_000: "40.500 t"} {
		if got := weight(g); got != want {
			t.Errorf("weight(%d) = %q, want %q", g, got, want)
		}
	}
}

// FuzzDeclarationsCSV: a customs feed is outside input; whatever it holds,
// parsing returns declarations that pass the chain's checks, or an error.
func FuzzDeclarationsCSV(f *testing.F) {
	f.Add(feedHeader + "310420260000000001,Ningbo,2026-11-20,91330106MA2CFX8Q1D,frozen shrimp,09521234543213,,EC,100000,grams,\n")
	f.Add("number,port\n\"a,\"b\n")
	f.Add(feedHeader + "310420260000000001,P,2026-11-20,91330106MA2CFX8Q1D,g,,0202300090,AR,10,pieces,250000\n")
	f.Fuzz(func(t *testing.T, s string) {
		ds, err := parseDeclarationsCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, d := range ds {
			if err := d.ValidateBasic(); err != nil {
				t.Fatalf("parsed declaration fails the chain's check: %v", err)
			}
		}
	})
}
