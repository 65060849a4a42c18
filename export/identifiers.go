package export

import (
	"encoding/hex"
	"strings"

	"github.com/coldtrace/coldtrace/types"
)

// GS1CanonicalBase is the host of canonical GS1 Digital Link URIs, the form
// in which class identifiers (GTIN, lot) are written.
const GS1CanonicalBase = "https://id.gs1.org"

// uri builds {base}/{parts...}, each part percent-encoded outside the URI
// unreserved characters.
func (x *index) uri(parts ...string) string {
	s := x.base
	for _, p := range parts {
		s += "/" + types.EscapeUnreserved(p)
	}
	return s
}

// party is the URI of an event's actor or a named party: an enterprise
// (USCC), a regulator (six-digit division) or customs.
func (x *index) party(id string) string {
	switch {
	case id == types.CustomsID:
		return x.uri("party", "customs")
	case isDivision(id):
		return x.uri("party", "regulator", id)
	case x.gln(id) != "":
		return GS1CanonicalBase + "/417/" + x.gln(id) // party GLN
	default:
		return x.uri("party", id)
	}
}

// location is the URI of an enterprise's registered premises, the only
// site the chain knows of it: its GLN's Digital Link where it registered
// one, else a URI under the base.
func (x *index) location(uscc string) string {
	if g := x.gln(uscc); g != "" {
		return GS1CanonicalBase + "/414/" + g
	}
	return x.uri("location", uscc)
}

// gln is the GS1 Global Location Number an enterprise registered, or "".
func (x *index) gln(uscc string) string {
	if e := x.enterprises[uscc]; e != nil {
		return e.GetProfile().GetGln()
	}
	return ""
}

// hashURI names a hash as an RFC 6920 named-information URI.
func hashURI(h []byte) string {
	return "ni:///sha-256;" + hex.EncodeToString(h)
}

// class is the EPCIS class of a code, for quantities: a GTIN code's GTIN
// (with CPV and lot) as a canonical Digital Link; a native code's batch as
// its lot class (see lotClass); an SSCC is its own class.
func (x *index) class(code string) string {
	c, err := types.ParseCode(code)
	if err != nil {
		return x.digitalLink(code)
	}
	switch c.Kind {
	case types.CodeGTIN:
		c.Serial = ""
		return GS1CanonicalBase + c.String()
	case types.CodeNative:
		if id := x.batchOf[code]; id != "" {
			return x.lotClass(id)
		}
	}
	return x.digitalLink(code)
}

// lotClass is the class of a batch (USCC/BATCH): its GTIN and lot as a
// canonical Digital Link when the batch facts give a GTIN and the batch is a
// valid AI (10) value, else {base}/lot/{USCC}/{batch}.
func (x *index) lotClass(batchID string) string {
	if b := x.batches[batchID]; b != nil && b.Facts != nil && b.Facts.Gtin != "" {
		lot := types.Code{Kind: types.CodeGTIN, GTIN: b.Facts.Gtin, Batch: b.Batch}
		if lot.Validate() == nil {
			return GS1CanonicalBase + lot.String()
		}
	}
	uscc, batch, _ := strings.Cut(batchID, "/")
	return x.uri("lot", uscc, batch)
}

// instance reports whether a code names one object: an SSCC, a native code
// or a GTIN with a serial number.
func instance(code string) bool {
	c, err := types.ParseCode(code)
	if err != nil {
		return false
	}
	return c.Kind == types.CodeSSCC || c.Kind == types.CodeNative || c.Serial != ""
}
