package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

// CBV 2.0 §8.9, the EPCIS Event Hash ID: an event's fields, normalised and
// concatenated in a canonical order into a pre-hash string, hashed with
// SHA-256 and written as ni:///sha-256;{hex}?ver=CBV2.0. The same event
// gives the same ID in XML or JSON, in any field order, from any exporter.

// Namespaces of the CURIE prefixes every EPCIS 2.0 JSON-LD document may use.
// cbvmda is written as its XML namespace (without the trailing ':' of the
// JSON-LD context) so that a JSON event hashes as its XML form does.
var standardNamespaces = map[string]string{
	"gs1":    "https://gs1.org/voc/",
	"cbv":    "https://ref.gs1.org/cbv/",
	"epcis":  "https://ref.gs1.org/epcis/",
	"cbvmda": "urn:epcglobal:cbv:mda",
}

// EventHashID is the CBV 2.0 EPCIS Event Hash ID of one event in the EPCIS
// 2.0 JSON binding. namespaces maps the document's own CURIE prefixes (its
// @context) to their IRIs; the standard ones are known. eventID, recordTime
// and errorDeclaration are left out of the hash: an error declaration
// repeats the event it declares erroneous under that event's ID.
func EventHashID(event []byte, namespaces map[string]string) (id, preHash string, err error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		return "", "", fmt.Errorf("export: event hash: %w", err)
	}
	h := &hasher{ns: map[string]string{}}
	for p, iri := range standardNamespaces {
		h.ns[p] = iri
	}
	for p, iri := range namespaces {
		if _, std := standardNamespaces[p]; !std {
			h.ns[p] = iri
		}
	}
	pre, err := h.event(ev)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(pre))
	return "ni:///sha-256;" + hex.EncodeToString(sum[:]) + "?ver=CBV2.0", pre, nil
}

type hasher struct{ ns map[string]string }

// Vocabularies of the fields whose bare JSON values are CBV or GS1 terms.
const (
	vocBizStep     = "https://ref.gs1.org/cbv/BizStep-"
	vocDisposition = "https://ref.gs1.org/cbv/Disp-"
	vocBizTxType   = "https://ref.gs1.org/cbv/BTT-"
	vocSrcDstType  = "https://ref.gs1.org/cbv/SDT-"
	vocGS1         = "https://gs1.org/voc/"
)

// Canonical orders of the fields inside a sensor element.
var (
	sensorMetadataOrder = []string{"time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules"}
	sensorReportOrder   = []string{"type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time",
		"microorganism", "chemicalSubstance", "value", "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
		"minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom", "coordinateReferenceSystem"}
)

// notHashed are the event fields no pre-hash string holds.
var notHashed = []string{"type", "eventID", "recordTime", "errorDeclaration", "@context"}

func (h *hasher) event(ev map[string]any) (string, error) {
	typ, _ := ev["type"].(string)
	if typ == "" {
		return "", fmt.Errorf("export: event hash: the event has no type")
	}
	var b strings.Builder
	b.WriteString("eventType=" + typ)
	done := map[string]bool{}
	for _, k := range notHashed {
		done[k] = true
	}
	scalar := func(emit func(any) (string, error)) func(any) (string, error) {
		return func(v any) (string, error) {
			s, err := emit(v)
			if s == "" || err != nil {
				return "", err
			}
			return "=" + s, nil
		}
	}
	for _, f := range []struct {
		key  string
		emit func(any) (string, error)
	}{
		{"eventTime", scalar(h.timeValue)},
		{"eventTimeZoneOffset", scalar(h.plain)},
		{"epcList", h.epcs},
		{"parentID", scalar(h.uri)},
		{"inputEPCList", h.epcs},
		{"childEPCs", h.epcs},
		{"quantityList", h.quantities},
		{"childQuantityList", h.quantities},
		{"inputQuantityList", h.quantities},
		{"outputEPCList", h.epcs},
		{"outputQuantityList", h.quantities},
		{"action", scalar(h.plain)},
		{"transformationID", scalar(h.uri)},
		{"bizStep", scalar(h.vocab(vocBizStep))},
		{"disposition", scalar(h.vocab(vocDisposition))},
		{"persistentDisposition", h.persistent},
		{"readPoint", h.place},
		{"bizLocation", h.place},
		{"bizTransactionList", h.typedList("bizTransaction", vocBizTxType)},
		{"sourceList", h.typedList("source", vocSrcDstType)},
		{"destinationList", h.typedList("destination", vocSrcDstType)},
		{"sensorElementList", h.sensors},
	} {
		done[f.key] = true
		v, ok := ev[f.key]
		if !ok || v == nil {
			continue
		}
		s, err := f.emit(v)
		if err != nil {
			return "", fmt.Errorf("export: event hash: %s: %w", f.key, err)
		}
		if s == "" {
			continue // an empty list or value adds nothing
		}
		b.WriteString(f.key + s)
	}
	// ILMD and user extensions, each as {namespace}name=value, sorted.
	var rest []string
	for _, k := range sortedKeys(ev) {
		if done[k] {
			continue
		}
		parts, err := h.generic(k, ev[k])
		if err != nil {
			return "", fmt.Errorf("export: event hash: %s: %w", k, err)
		}
		rest = append(rest, parts...)
	}
	slices.Sort(rest)
	b.WriteString(strings.Join(rest, ""))
	return b.String(), nil
}

// plain is a value as written, without surrounding whitespace.
func (h *hasher) plain(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), nil
	case json.Number:
		return number(x)
	case bool:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("%v is not a plain value", v)
}

// uri is an identifier, normalised (rules 14-18).
func (h *hasher) uri(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return h.plain(v)
	}
	return h.value(s), nil
}

// value normalises a string value: CBV URNs to Web URIs, standard CURIEs
// expanded, EPC URNs and Digital Link URIs to constrained canonical
// Digital Link URIs.
func (h *hasher) value(s string) string {
	s = strings.TrimSpace(s)
	for urn, web := range map[string]string{
		"urn:epcglobal:cbv:bizstep:": vocBizStep, "urn:epcglobal:cbv:disp:": vocDisposition,
		"urn:epcglobal:cbv:btt:": vocBizTxType, "urn:epcglobal:cbv:sdt:": vocSrcDstType, "urn:epcglobal:cbv:er:": "https://ref.gs1.org/cbv/ER-",
	} {
		if strings.HasPrefix(s, urn) {
			return web + strings.TrimPrefix(s, urn)
		}
	}
	if p, local, ok := strings.Cut(s, ":"); ok && !strings.HasPrefix(local, "/") {
		if iri, std := standardNamespaces[p]; std && p != "cbvmda" {
			return iri + local
		}
	}
	if dl, ok := epcURNToDigitalLink(s); ok {
		return dl
	}
	if dl, ok := constrainDigitalLink(s); ok {
		return dl
	}
	return s
}

// vocab expands a bare CBV term (rule 16); URIs and CURIEs are normalised.
func (h *hasher) vocab(prefix string) func(any) (string, error) {
	return func(v any) (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%v is not a term", v)
		}
		s = strings.TrimSpace(s)
		if !strings.Contains(s, ":") {
			return prefix + s, nil
		}
		return h.value(s), nil
	}
}

func (h *hasher) timeValue(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%v is not a time", v)
	}
	return normaliseTime(strings.TrimSpace(s))
}

// normaliseTime writes a time in UTC with milliseconds, rounded half up.
func normaliseTime(s string) (string, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", fmt.Errorf("time %q: %w", s, err)
	}
	return t.UTC().Add(500 * time.Microsecond).Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z"), nil
}

// number writes a JSON number without a sign of '+', trailing zeros or
// exponent: 26.0 is 26, -18.50 is -18.5.
func number(n json.Number) (string, error) {
	if i := strings.IndexAny(string(n), "eE"); i >= 0 {
		// An exponent beyond any measurement would make an exact decimal
		// of unbounded size.
		exp, err := strconv.Atoi(strings.TrimPrefix(string(n)[i+1:], "+"))
		if err != nil || exp > 400 || exp < -400 {
			return "", fmt.Errorf("%q: exponent out of range", n)
		}
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return "", fmt.Errorf("%q is not a number", n)
	}
	if r.IsInt() {
		return r.Num().String(), nil
	}
	s := r.FloatString(40)
	return strings.TrimRight(s, "0"), nil
}

func (h *hasher) epcs(v any) (string, error) {
	l, ok := v.([]any)
	if !ok {
		return "", fmt.Errorf("not a list")
	}
	var parts []string
	for _, e := range l {
		s, err := h.uri(e)
		if err != nil {
			return "", err
		}
		parts = append(parts, "epc="+s)
	}
	slices.Sort(parts)
	return strings.Join(parts, ""), nil
}

func (h *hasher) quantities(v any) (string, error) {
	l, ok := v.([]any)
	if !ok {
		return "", fmt.Errorf("not a list")
	}
	var parts []string
	for _, e := range l {
		q, ok := e.(map[string]any)
		if !ok {
			return "", fmt.Errorf("a quantity element is not an object")
		}
		s := "quantityElement"
		for _, k := range []string{"epcClass", "quantity", "uom"} {
			if q[k] == nil {
				continue
			}
			val, err := h.uri(q[k])
			if err != nil {
				return "", err
			}
			s += k + "=" + val
		}
		parts = append(parts, s)
	}
	slices.Sort(parts)
	return strings.Join(parts, ""), nil
}

func (h *hasher) persistent(v any) (string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("not an object")
	}
	var out string
	for _, k := range []string{"set", "unset"} {
		l, _ := m[k].([]any)
		var parts []string
		for _, d := range l {
			s, err := h.vocab(vocDisposition)(d)
			if err != nil {
				return "", err
			}
			parts = append(parts, k+"="+s)
		}
		slices.Sort(parts)
		out += strings.Join(parts, "")
	}
	return out, nil
}

// place is a readPoint or bizLocation: its id, then its extensions.
func (h *hasher) place(v any) (string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("not an object")
	}
	s := ""
	if m["id"] != nil {
		id, err := h.uri(m["id"])
		if err != nil {
			return "", err
		}
		s = "id=" + id
	}
	ext, err := h.extensions(m, "id")
	return s + ext, err
}

// typedList is a list of values with a CBV type: value, then type (rule 13).
func (h *hasher) typedList(key, voc string) func(any) (string, error) {
	return func(v any) (string, error) {
		l, ok := v.([]any)
		if !ok {
			return "", fmt.Errorf("not a list")
		}
		var parts []string
		for _, e := range l {
			m, ok := e.(map[string]any)
			if !ok {
				return "", fmt.Errorf("a %s is not an object", key)
			}
			val, err := h.uri(m[key])
			if err != nil {
				return "", err
			}
			s := key + "=" + val
			if m["type"] != nil {
				t, err := h.vocab(voc)(m["type"])
				if err != nil {
					return "", err
				}
				s += "type=" + t
			}
			parts = append(parts, s)
		}
		slices.Sort(parts)
		return strings.Join(parts, ""), nil
	}
}

func (h *hasher) sensors(v any) (string, error) {
	l, ok := v.([]any)
	if !ok {
		return "", fmt.Errorf("not a list")
	}
	var elems []string
	for _, e := range l {
		se, ok := e.(map[string]any)
		if !ok {
			return "", fmt.Errorf("a sensor element is not an object")
		}
		s := "sensorElement"
		if md, ok := se["sensorMetadata"].(map[string]any); ok {
			f, err := h.ordered(md, sensorMetadataOrder)
			if err != nil {
				return "", err
			}
			s += "sensorMetadata" + f
		}
		reports, _ := se["sensorReport"].([]any)
		var rs []string
		for _, r := range reports {
			rm, ok := r.(map[string]any)
			if !ok {
				return "", fmt.Errorf("a sensor report is not an object")
			}
			f, err := h.ordered(rm, sensorReportOrder)
			if err != nil {
				return "", err
			}
			rs = append(rs, "sensorReport"+f)
		}
		slices.Sort(rs)
		s += strings.Join(rs, "")
		ext, err := h.extensions(se, "sensorMetadata", "sensorReport")
		if err != nil {
			return "", err
		}
		elems = append(elems, s+ext)
	}
	slices.Sort(elems)
	return strings.Join(elems, ""), nil
}

// ordered writes an object's standard fields in order, then its extensions.
func (h *hasher) ordered(m map[string]any, order []string) (string, error) {
	var s string
	for _, k := range order {
		if m[k] == nil {
			continue
		}
		var val string
		var err error
		switch {
		case k == "type" || k == "exception":
			val, err = h.vocab(vocGS1)(m[k])
		case strings.Contains(strings.ToLower(k), "time"):
			val, err = h.timeValue(m[k])
		default:
			val, err = h.uri(m[k])
		}
		if err != nil {
			return "", fmt.Errorf("%s: %w", k, err)
		}
		s += k + "=" + val
	}
	ext, err := h.extensions(m, order...)
	return s + ext, err
}

// extensions writes the fields of m outside the standard ones, sorted.
func (h *hasher) extensions(m map[string]any, standard ...string) (string, error) {
	var parts []string
	for _, k := range sortedKeys(m) {
		if slices.Contains(standard, k) {
			continue
		}
		p, err := h.generic(k, m[k])
		if err != nil {
			return "", err
		}
		parts = append(parts, p...)
	}
	slices.Sort(parts)
	return strings.Join(parts, ""), nil
}

// generic writes an ILMD or extension field: {namespace}name=value, an
// object as its name followed by its fields, sorted; a list as one entry
// per element.
func (h *hasher) generic(key string, v any) ([]string, error) {
	name := h.expandKey(key)
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		var out []string
		for _, e := range x {
			p, err := h.generic(key, e)
			if err != nil {
				return nil, err
			}
			out = append(out, p...)
		}
		return out, nil
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(x) {
			if strings.HasPrefix(k, "@") {
				continue
			}
			p, err := h.generic(k, x[k])
			if err != nil {
				return nil, err
			}
			parts = append(parts, p...)
		}
		slices.Sort(parts)
		return []string{name + strings.Join(parts, "")}, nil
	case string:
		s := h.value(x)
		if s == "" {
			return []string{name}, nil
		}
		return []string{name + "=" + s}, nil
	default:
		s, err := h.plain(x)
		if err != nil {
			return nil, err
		}
		return []string{name + "=" + s}, nil
	}
}

// expandKey writes prefix:name as {namespace}name; a key without a known
// prefix stays as it is.
func (h *hasher) expandKey(k string) string {
	if p, local, ok := strings.Cut(k, ":"); ok {
		if iri, known := h.ns[p]; known {
			return "{" + iri + "}" + local
		}
	}
	return k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Digital Link primary keys and the qualifiers a constrained canonical URI
// keeps (CBV 2.0 §8.9 rule 18), most fine-grained first.
var dlKeys = map[string][]string{
	"00": nil, "01": {"21", "235", "10"}, "253": nil, "255": nil, "401": nil, "402": nil,
	"414": {"254"}, "417": nil, "8003": nil, "8004": nil, "8006": {"21", "10"}, "8010": {"8011"}, "8017": nil, "8018": nil,
}

// constrainDigitalLink writes a GS1 Digital Link URI on id.gs1.org, without
// its query string, with its primary key and only the finest qualifier the
// rule allows. ok is false for any other string.
func constrainDigitalLink(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	for i := 0; i+1 < len(segs); i++ {
		quals, isKey := dlKeys[segs[i]]
		if !isKey || !validKeyValue(segs[i], segs[i+1]) {
			continue
		}
		key, val := segs[i], segs[i+1]
		if key == "01" {
			val = strings.Repeat("0", 14-len(val)) + val
		}
		out := GS1CanonicalBase + "/" + key + "/" + val
		have := map[string]string{}
		for j := i + 2; j+1 < len(segs); j += 2 {
			have[segs[j]] = segs[j+1]
		}
		for _, q := range quals {
			if v, ok := have[q]; ok {
				out += "/" + q + "/" + v
				break
			}
		}
		return out, true
	}
	return "", false
}

// validKeyValue: numeric keys hold digits of their length (GTIN 8 to 14).
func validKeyValue(ai, v string) bool {
	digits := func(min, max int) bool {
		if len(v) < min || len(v) > max {
			return false
		}
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return false
			}
		}
		return true
	}
	switch ai {
	case "00":
		return digits(18, 18)
	case "01":
		return digits(8, 14)
	case "414", "417":
		return digits(13, 13)
	case "8018":
		return digits(18, 18)
	case "8017":
		return digits(18, 18)
	}
	return v != ""
}

// epcURNToDigitalLink converts the EPC URNs of trade items, logistic units,
// locations and parties (SGTIN, SSCC, SGLN, PGLN) and lot classes (LGTIN) to
// canonical Digital Link URIs (rule 17).
func epcURNToDigitalLink(s string) (string, bool) {
	var scheme, body string
	switch {
	case strings.HasPrefix(s, "urn:epc:id:"):
		scheme, body, _ = strings.Cut(strings.TrimPrefix(s, "urn:epc:id:"), ":")
	case strings.HasPrefix(s, "urn:epc:class:"):
		scheme, body, _ = strings.Cut(strings.TrimPrefix(s, "urn:epc:class:"), ":")
		scheme = "class-" + scheme
	default:
		return "", false
	}
	f := strings.Split(body, ".")
	withCheck := func(digits string) (string, bool) {
		d, err := types.GS1CheckDigit(digits)
		if err != nil {
			return "", false
		}
		return digits + string(d), true
	}
	gtin := func(cp, ir string) (string, bool) {
		if len(ir) < 1 || len(cp)+len(ir) != 13 {
			return "", false
		}
		return withCheck(ir[:1] + cp + ir[1:])
	}
	switch {
	case scheme == "sgtin" && len(f) == 3:
		g, ok := gtin(f[0], f[1])
		return GS1CanonicalBase + "/01/" + g + "/21/" + f[2], ok
	case scheme == "class-lgtin" && len(f) == 3:
		g, ok := gtin(f[0], f[1])
		return GS1CanonicalBase + "/01/" + g + "/10/" + f[2], ok
	case scheme == "sscc" && len(f) == 2 && len(f[0])+len(f[1]) == 17 && f[1] != "":
		c, ok := withCheck(f[1][:1] + f[0] + f[1][1:])
		return GS1CanonicalBase + "/00/" + c, ok
	case scheme == "sgln" && len(f) == 3 && len(f[0])+len(f[1]) == 12:
		g, ok := withCheck(f[0] + f[1])
		out := GS1CanonicalBase + "/414/" + g
		if f[2] != "0" && f[2] != "" {
			out += "/254/" + f[2]
		}
		return out, ok
	case scheme == "pgln" && len(f) == 2 && len(f[0])+len(f[1]) == 12:
		g, ok := withCheck(f[0] + f[1])
		return GS1CanonicalBase + "/417/" + g, ok
	}
	return "", false
}
