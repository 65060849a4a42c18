package export

import (
	"encoding/json"
	"sort"
	"strings"
)

// NormaliseEvent writes an EPCIS event in the canonical form CBV 2.0 §8.9
// uses for the event hash, so that two writings of one event compare
// equal: identifiers as constrained canonical GS1 Digital Link URIs on
// id.gs1.org (EPC URNs converted), CBV URNs as CBV 2.0 Web URIs, times in
// UTC with milliseconds, numbers without trailing zeros or exponent, and
// every list ordered (by its elements' JSON). Bare CBV terms stay bare.
// It returns a new value; the event is not changed.
func NormaliseEvent(ev map[string]any) map[string]any {
	h := &hasher{ns: standardNamespaces}
	return h.normalise("", ev).(map[string]any)
}

func (h *hasher) normalise(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = h.normalise(k, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		keys := make([]string, len(x))
		for i, e := range x {
			out[i] = h.normalise(key, e)
			b, _ := json.Marshal(out[i])
			keys[i] = string(b)
		}
		idx := make([]int, len(x))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
		sorted := make([]any, len(x))
		for i, j := range idx {
			sorted[i] = out[j]
		}
		return sorted
	case json.Number:
		if s, err := number(x); err == nil {
			return s
		}
		return string(x)
	case float64:
		b, _ := json.Marshal(x)
		if s, err := number(json.Number(b)); err == nil {
			return s
		}
		return string(b)
	case string:
		if strings.HasSuffix(key, "Time") || key == "creationDate" {
			if t, err := normaliseTime(x); err == nil {
				return t
			}
		}
		return h.value(x)
	}
	return v
}
