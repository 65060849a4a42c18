package capture

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/export"
)

// filter is a parsed SimpleEventQuery.
type filter struct {
	eventType, bizStep, disposition, bizLocation []string
	epc, anyEPC, classes                         []string // canonical codes; classes as given
	ge, lt                                       *time.Time
	perPage, offset                              int
}

// queryParams are the parameters the query interface takes; any other is
// refused rather than ignored.
var queryParams = []string{"eventType", "EQ_bizStep", "EQ_disposition", "EQ_bizLocation", "GE_eventTime", "LT_eventTime",
	"MATCH_epc", "MATCH_anyEPC", "MATCH_epcClass", "perPage", "nextPageToken"}

// QueryParams lists the query parameters served (docs/EPCIS.md; a test checks).
func QueryParams() []string { return slices.Clone(queryParams) }

func parseFilter(v url.Values) (*filter, error) {
	f := &filter{perPage: DefaultPerPage}
	for k := range v {
		if !slices.Contains(queryParams, k) {
			return nil, badParam("%s: this interface takes %s (the chain cannot answer other parameters from verified data)", k, strings.Join(queryParams, ", "))
		}
	}
	list := func(k string) []string {
		var out []string
		for _, s := range v[k] {
			for _, p := range strings.Split(s, "|") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		return out
	}
	terms := func(k, web, urn string) []string {
		var out []string
		for _, s := range list(k) {
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(s, web), urn))
		}
		return out
	}
	f.eventType = list("eventType")
	f.bizStep = terms("EQ_bizStep", "https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")
	f.disposition = terms("EQ_disposition", "https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:")
	f.bizLocation = list("EQ_bizLocation")
	f.classes = list("MATCH_epcClass")
	for _, k := range []string{"MATCH_epc", "MATCH_anyEPC"} {
		for _, s := range list(k) {
			c, err := export.EPCCode(s)
			if err != nil {
				return nil, badParam("%s %s: %v", k, s, err)
			}
			if k == "MATCH_epc" {
				f.epc = append(f.epc, c)
			} else {
				f.anyEPC = append(f.anyEPC, c)
			}
		}
	}
	for _, k := range []string{"GE_eventTime", "LT_eventTime"} {
		if s := v.Get(k); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, badParam("%s %q: give an RFC 3339 time, such as 2026-11-26T08:00:00Z", k, s)
			}
			if k == "GE_eventTime" {
				f.ge = &t
			} else {
				f.lt = &t
			}
		}
	}
	if s := v.Get("perPage"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPerPage {
			return nil, badParam("perPage %q: a number from 1 to %d", s, MaxPerPage)
		}
		f.perPage = n
	}
	if s := v.Get("nextPageToken"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, badParam("nextPageToken %q is not one this server gave", s)
		}
		f.offset = n
	}
	return f, nil
}

// match reports whether an exported event passes the filter.
func (f *filter) match(ev map[string]any) bool {
	str := func(k string) string { s, _ := ev[k].(string); return s }
	in := func(l []string, s string) bool { return len(l) == 0 || slices.Contains(l, s) }
	if !in(f.eventType, str("type")) || !in(f.bizStep, str("bizStep")) || !in(f.disposition, str("disposition")) {
		return false
	}
	loc, _ := ev["bizLocation"].(map[string]any)
	if id, _ := loc["id"].(string); len(f.bizLocation) > 0 && !slices.Contains(f.bizLocation, id) {
		return false
	}
	if f.ge != nil || f.lt != nil {
		t, err := time.Parse(time.RFC3339Nano, str("eventTime"))
		if err != nil || (f.ge != nil && t.Before(*f.ge)) || (f.lt != nil && !t.Before(*f.lt)) {
			return false
		}
	}
	if len(f.epc) > 0 && !anyCode(ev, f.epc, "epcList", "childEPCs") {
		return false
	}
	if len(f.anyEPC) > 0 && !anyCode(ev, f.anyEPC, "epcList", "childEPCs", "inputEPCList", "outputEPCList", "parentID") {
		return false
	}
	if len(f.classes) > 0 && !anyClass(ev, f.classes) {
		return false
	}
	return true
}

// canonical is a code URI's canonical form, "" when it is none.
func canonical(s string) string {
	c, _ := export.EPCCode(s)
	return c
}

func anyCode(ev map[string]any, want []string, keys ...string) bool {
	for _, k := range keys {
		var vals []any
		switch x := ev[k].(type) {
		case []any:
			vals = x
		case string:
			vals = []any{x}
		}
		for _, v := range vals {
			if s, ok := v.(string); ok && slices.Contains(want, canonical(s)) {
				return true
			}
		}
	}
	return false
}

func anyClass(ev map[string]any, want []string) bool {
	for _, k := range []string{"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"} {
		l, _ := ev[k].([]any)
		for _, x := range l {
			m, _ := x.(map[string]any)
			s, _ := m["epcClass"].(string)
			for _, w := range want {
				if s == w || (canonical(s) != "" && canonical(s) == canonical(w)) {
					return true
				}
			}
		}
	}
	return false
}
