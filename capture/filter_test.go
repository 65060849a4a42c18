package capture

import (
	"net/url"
	"testing"
)

// TestFilter: each query parameter keeps the events it names and drops
// the others.
func TestFilter(t *testing.T) {
	ship := map[string]any{"type": "ObjectEvent", "eventTime": "2026-11-26T08:00:00.000Z", "bizStep": "shipping", "disposition": "in_transit",
		"epcList": []any{"https://id.coldtrace.example/00/095212345000000018"}, "readPoint": map[string]any{"id": "https://id.coldtrace.example/location/X"}}
	pack := map[string]any{"type": "AggregationEvent", "eventTime": "2026-11-26T07:00:00.000Z", "bizStep": "packing", "disposition": "in_progress",
		"parentID": "https://id.coldtrace.example/00/095212345000000018", "bizLocation": map[string]any{"id": "https://id.coldtrace.example/location/X"},
		"childQuantityList": []any{map[string]any{"epcClass": "https://id.gs1.org/01/09521234543213/10/L1", "quantity": "5", "uom": "KGM"}}}
	cases := []struct {
		q          string
		ship, pack bool
	}{
		{"", true, true},
		{"eventType=AggregationEvent", false, true},
		{"eventType=ObjectEvent|AggregationEvent", true, true},
		{"EQ_bizStep=shipping", true, false},
		{"EQ_bizStep=https://ref.gs1.org/cbv/BizStep-packing", false, true},
		{"EQ_disposition=urn:epcglobal:cbv:disp:in_transit", true, false},
		{"EQ_bizLocation=https://id.coldtrace.example/location/X", false, true},
		{"GE_eventTime=2026-11-26T07:30:00Z", true, false},
		{"LT_eventTime=2026-11-26T16:00:00%2B08:00", false, true},
		{"MATCH_epc=https://example.com/00/095212345000000018", true, false},
		{"MATCH_anyEPC=urn:epc:id:sscc:9521234.0500000001", true, true},
		{"MATCH_epcClass=https://id.gs1.org/01/09521234543213/10/L1", false, true},
	}
	for _, tc := range cases {
		v, _ := url.ParseQuery(tc.q)
		f, err := parseFilter(v)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		if got := f.match(ship); got != tc.ship {
			t.Errorf("%s: shipping kept %v, want %v", tc.q, got, tc.ship)
		}
		if got := f.match(pack); got != tc.pack {
			t.Errorf("%s: packing kept %v, want %v", tc.q, got, tc.pack)
		}
	}
}
