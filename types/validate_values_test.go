package types_test

import (
	"strings"
	"testing"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

// TestStrictValues: from rules v2, every string of every message is free of
// invisible and control characters, every date field is a calendar date in
// years 0001-9999, and product facts give an expiry on or after production
// within a bounded shelf life. Under v1 the same txs pass, as they did.
func TestStrictValues(t *testing.T) {
	facts := func(mod func(*types.ProductFacts)) *types.MsgCommission {
		f := &types.ProductFacts{Name: "Frozen shrimp", Category: "frozen shrimp", OriginCountry: "CN", ProductionDate: "2026-01-01", ShelfLifeDays: 365}
		mod(f)
		return &types.MsgCommission{Batch: "B1", Facts: f, Codes: []*types.NewCode{{Quantity: 1, Unit: types.QuantityUnit_QUANTITY_UNIT_PIECES}}}
	}
	ent := func(name string) *types.MsgRegisterEnterprise {
		m := validRegisterEnterprise()
		m.Name = name
		return m
	}
	table := []struct {
		name string
		msg  *types.Msg
		ok   bool
		want string
	}{
		{"plain Chinese name", types.WrapMsg(ent("杭州冷链示范仓储有限公司")), true, ""},
		{"right-to-left override", types.WrapMsg(ent("Cold \u202EeroTS")), false, "U+202E"},
		{"left-to-right isolate", types.WrapMsg(ent("Cold \u2066Store")), false, "U+2066"},
		{"zero-width joiner", types.WrapMsg(ent("Cold\u200DStore")), false, "U+200D"},
		{"byte-order mark", types.WrapMsg(ent("\uFEFFCold Store")), false, "U+FEFF"},
		{"line separator", types.WrapMsg(ent("Cold\u2028Store")), false, "U+2028"},
		{"noncharacter", types.WrapMsg(ent("Cold\uFFFEStore")), false, "U+FFFE"},
		{"ten-year shelf life", types.WrapMsg(facts(func(f *types.ProductFacts) { f.ShelfLifeDays = types.MaxShelfLifeDays })), true, ""},
		{"shelf life of 3,000,000 days", types.WrapMsg(facts(func(f *types.ProductFacts) { f.ShelfLifeDays = 3000000 })), false, "shelf_life_days"},
		{"production after expiry", types.WrapMsg(facts(func(f *types.ProductFacts) { f.ShelfLifeDays, f.ExpiryDate = 0, "2025-12-31" })), false, "after the expiry"},
		{"production on the expiry date", types.WrapMsg(facts(func(f *types.ProductFacts) { f.ShelfLifeDays, f.ExpiryDate = 0, "2026-01-01" })), true, ""},
		{"year 0000", types.WrapMsg(facts(func(f *types.ProductFacts) { f.ProductionDate = "0000-06-01" })), false, "calendar date"},
		{"9999-12-31 expiry", types.WrapMsg(facts(func(f *types.ProductFacts) {
			f.ProductionDate, f.ShelfLifeDays, f.ExpiryDate = "9999-06-01", 0, "9999-12-31"
		})), true, ""},
		{"expiry date 8,000 years after production", types.WrapMsg(facts(func(f *types.ProductFacts) { f.ShelfLifeDays, f.ExpiryDate = 0, "9999-12-31" })), false, "ten years"},
		{"Hangul filler", types.WrapMsg(ent("\u3164")), false, "U+3164"},
		{"braille blank", types.WrapMsg(ent("Cold\u2800Store")), false, "U+2800"},
		{"combining grapheme joiner", types.WrapMsg(ent("Cold\u034FStore")), false, "U+034F"},
		{"variation selector", types.WrapMsg(ent("Cold\uFE0FStore")), false, "U+FE0F"},
		{"private use", types.WrapMsg(ent("Cold\uE000Store")), false, "U+E000"},
		{"tag character", types.WrapMsg(ent("Cold\U000E0041Store")), false, "U+E0041"},
		{"only spaces", types.WrapMsg(ent("  ")), false, "only spaces"},
		{"only ideographic and no-break spaces", types.WrapMsg(ent("\u3000\u00A0")), false, "only spaces"},
		{"a space inside a name", types.WrapMsg(ent("Cold Store\u3000冷库")), true, ""},
		{"storage at -2147483648 centi-degrees", types.WrapMsg(facts(func(f *types.ProductFacts) { f.TempMinCenti, f.TempMaxCenti = -2147483648, -1800 })), false, "temp_min_centi"},
		{"storage at -80 °C", types.WrapMsg(facts(func(f *types.ProductFacts) { f.TempMinCenti, f.TempMaxCenti = -8000, -6000 })), true, ""},
		{"a sensor window ending in year 10000", types.WrapMsg(&types.MsgSensorReport{Codes: []string{"CT-91330100716105852F-1-N"}, MinCenti: -1900, MaxCenti: -1800, StartUnix: 1_790_000_000, EndUnix: 253402300800, DeviceId: "logger-1"}), false, "end_unix"},
		{"a sensor reading of 21474836 °C", types.WrapMsg(&types.MsgSensorReport{Codes: []string{"CT-91330100716105852F-1-N"}, MinCenti: -1900, MaxCenti: 2147483647, StartUnix: 1_790_000_000, EndUnix: 1_790_000_600, DeviceId: "logger-1"}), false, "max_centi"},
		{"a good sensor report", types.WrapMsg(&types.MsgSensorReport{Codes: []string{"CT-91330100716105852F-1-N"}, MinCenti: -1900, MaxCenti: -1800, StartUnix: 1_790_000_000, EndUnix: 1_790_000_600, DeviceId: "logger-1"}), true, ""},
		{"shelf life past 9999", types.WrapMsg(facts(func(f *types.ProductFacts) { f.ProductionDate = "9999-06-01" })), false, "after 9999-12-31"},
		{"invisible character in a nested lab name", types.WrapMsg(facts(func(f *types.ProductFacts) {
			f.NucleicAcidTest = &types.LabTest{Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Lab\u200B1", Date: "2026-01-02", DocumentHash: make([]byte, 32)}
		})), false, "nucleic_acid_test.lab"},
	}
	v1 := testLimits
	v1.Rules = types.RulesV1
	for _, tc := range table {
		t.Run(tc.name, func(t *testing.T) {
			raw := signedRaw(t, marshal(t, body(tc.msg)))
			_, err := types.DecodeTx(raw, testLimits, true)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, types.ErrInvalidField)
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not name %q", err, tc.want)
			}
			if _, err := types.DecodeTx(raw, v1, true); err != nil {
				t.Fatalf("rules v1 accepted it and must still: %v", err)
			}
		})
	}
	// The memo is text too.
	b := body()
	b.Memo = "dock \u202E3"
	_, err := types.DecodeTx(signedRaw(t, marshal(t, b)), testLimits, true)
	wantCode(t, err, types.ErrInvalidField)
}

// TestUnixTime: sensor windows written under v1 with any int64 show within
// years 0001-9999, never overflowing or failing to format.
func TestUnixTime(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{1_790_000_000, "2026-09-21T14:13:20Z"},
		{253402300800, "9999-12-31T23:59:59Z"},
		{1<<63 - 1, "9999-12-31T23:59:59Z"},
		{-1 << 63, "0001-01-01T00:00:00Z"},
	} {
		if got := types.UnixTime(tc.in).Format(time.RFC3339); got != tc.want {
			t.Errorf("UnixTime(%d) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
