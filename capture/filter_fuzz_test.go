package capture

import (
	"net/url"
	"testing"
)

// FuzzQueryParams: no query string makes the parameter reader or the
// filter panic.
func FuzzQueryParams(f *testing.F) {
	f.Add("MATCH_epc=https://id.gs1.org/01/09521234543213/10/L1|urn:x&GE_eventTime=2026-11-26T08:00:00Z&perPage=3")
	f.Add("EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping&nextPageToken=-1&MATCH_epcClass=https://id.coldtrace.example/lot/x/y")
	ev := map[string]any{"type": "ObjectEvent", "eventTime": "2026-11-26T08:00:00.000Z", "bizStep": "shipping", "epcList": []any{"https://id.gs1.org/00/095212345000000018", 7},
		"bizLocation": map[string]any{"id": 1}, "quantityList": []any{map[string]any{"epcClass": "https://id.gs1.org/01/09521234543213/10/L1"}, "x"}}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		if flt, err := parseFilter(v); err == nil {
			flt.match(ev)
		}
	})
}
