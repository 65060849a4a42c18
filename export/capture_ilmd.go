package export

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/types"
)

// ilmdText are the ILMD fields the chain records as text, by their facts field.
var ilmdText = map[string]func(*types.ProductFacts) *string{
	"cbvmda:countryOfOrigin":     func(f *types.ProductFacts) *string { return &f.OriginCountry },
	"ct:productName":             func(f *types.ProductFacts) *string { return &f.Name },
	"ct:category":                func(f *types.ProductFacts) *string { return &f.Category },
	"ct:gtin":                    func(f *types.ProductFacts) *string { return &f.Gtin },
	"ct:productionDate":          func(f *types.ProductFacts) *string { return &f.ProductionDate },
	"ct:supplier":                func(f *types.ProductFacts) *string { return &f.Supplier },
	"ct:certificateOfOrigin":     func(f *types.ProductFacts) *string { return &f.CertificateOfOrigin },
	"ct:customsDeclaration":      func(f *types.ProductFacts) *string { return &f.CustomsDeclaration },
	"ct:inspectionCertificate":   func(f *types.ProductFacts) *string { return &f.InspectionCertificate },
	"ct:disinfectionCertificate": func(f *types.ProductFacts) *string { return &f.DisinfectionCertificate },
	"ct:hsCode":                  func(f *types.ProductFacts) *string { return &f.HsCode },
}

// ILMDFields are the ILMD fields a commissioning may carry, as the export
// writes them; docs/EPCIS.md lists them (a test checks).
func ILMDFields() []string {
	out := []string{"cbvmda:lotNumber", "cbvmda:itemExpirationDate", "ct:batch", "ct:shelfLifeDays", "ct:netGramsPerPiece", "ct:nucleicAcidTest", "ct:storageTemperature"}
	for _, k := range slices.Sorted(maps.Keys(ilmdText)) {
		out = append(out, k)
	}
	return out
}

// ilmd reads a commissioning's ILMD: the batch (cbvmda:lotNumber) and its
// product facts. Facts are left nil when the ILMD names only the lot: codes
// added to a batch already on chain.
func (c *Capturer) ilmd(e *event) (string, *types.ProductFacts, error) {
	v := e.get("ilmd")
	m, _ := v.(map[string]any)
	if m == nil {
		return "", nil, refuse("ilmd", "give the batch (cbvmda:lotNumber) and, for a new batch, the product facts (docs/EPCIS.md)")
	}
	str := func(k string) (string, error) {
		x, ok := m[k]
		if !ok {
			return "", nil
		}
		s, ok := x.(string)
		if !ok {
			return "", refuse("ilmd", "%s must be a string", k)
		}
		return strings.TrimSpace(s), nil
	}
	batch, err := str("cbvmda:lotNumber")
	if err != nil {
		return "", nil, err
	}
	if batch == "" {
		return "", nil, refuse("ilmd", "cbvmda:lotNumber is missing: the chain records codes by batch")
	}
	if id, err := str("ct:batch"); err != nil {
		return "", nil, err
	} else if id != "" && id != c.Enterprise+"/"+batch {
		return "", nil, refuse("ilmd", "ct:batch %s: the batch of this commissioning is %s/%s", id, c.Enterprise, batch)
	}
	f := &types.ProductFacts{}
	facts := false
	for _, k := range sortedKeys(m) {
		switch k {
		case "cbvmda:lotNumber", "ct:batch":
			continue
		}
		facts = true
		if p, ok := ilmdText[k]; ok {
			if *p(f), err = str(k); err != nil {
				return "", nil, err
			}
			continue
		}
		switch k {
		case "cbvmda:itemExpirationDate":
			if f.ExpiryDate, err = str(k); err != nil {
				return "", nil, err
			}
		case "ct:shelfLifeDays", "ct:netGramsPerPiece":
			n, ok := m[k].(json.Number)
			u, err := n.Int64()
			if !ok || err != nil || u < 0 || u > 1<<31 {
				return "", nil, refuse("ilmd", "%s must be a whole number", k)
			}
			if k == "ct:shelfLifeDays" {
				f.ShelfLifeDays = uint32(u)
			} else {
				f.NetGramsPerPiece = uint32(u)
			}
		case "ct:nucleicAcidTest":
			if f.NucleicAcidTest, err = labTestOf(m[k]); err != nil {
				return "", nil, err
			}
		case "ct:storageTemperature":
			t, _ := m[k].(map[string]any)
			if t == nil || t["ct:uom"] != "CEL" || len(t) != 3 {
				return "", nil, refuse("ilmd", "ct:storageTemperature: give ct:minValue, ct:maxValue and ct:uom CEL")
			}
			if f.TempMinCenti, err = centi(t["ct:minValue"]); err != nil {
				return "", nil, err
			}
			if f.TempMaxCenti, err = centi(t["ct:maxValue"]); err != nil {
				return "", nil, err
			}
		default:
			return "", nil, refuse("ilmd", "%s: the chain records no such fact (docs/EPCIS.md lists the ILMD fields)", k)
		}
	}
	if !facts {
		return batch, nil, nil
	}
	// The export writes the expiry a shelf life gives; read back, it is the
	// shelf life that is recorded.
	if f.ExpiryDate != "" && f.ShelfLifeDays > 0 {
		g := &types.ProductFacts{ProductionDate: f.ProductionDate, ShelfLifeDays: f.ShelfLifeDays}
		if g.Expiry() != f.ExpiryDate {
			return "", nil, refuse("ilmd", "cbvmda:itemExpirationDate %s is not ct:productionDate plus ct:shelfLifeDays (%s): give one of them", f.ExpiryDate, g.Expiry())
		}
		f.ExpiryDate = ""
	}
	if f.ExpiryDate != "" {
		if _, err := time.Parse(time.DateOnly, f.ExpiryDate); err != nil {
			return "", nil, refuse("ilmd", "cbvmda:itemExpirationDate %q: give a date, YYYY-MM-DD", f.ExpiryDate)
		}
	}
	return batch, f, nil
}

func labTestOf(v any) (*types.LabTest, error) {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil, refuse("ilmd", "ct:nucleicAcidTest must be an object")
	}
	t := &types.LabTest{}
	for _, k := range sortedKeys(m) {
		x := m[k]
		s, _ := x.(string)
		switch k {
		case "ct:result":
			switch s {
			case "negative":
				t.Result = types.TestResult_TEST_RESULT_NEGATIVE
			case "positive":
				t.Result = types.TestResult_TEST_RESULT_POSITIVE
			default:
				return nil, refuse("ilmd", "ct:nucleicAcidTest ct:result %v: negative or positive", x)
			}
		case "ct:lab":
			t.Lab = s
		case "ct:date":
			t.Date = s
		case "ct:documentHash":
			h, ok := niHash(s)
			if !ok {
				return nil, refuse("ilmd", "ct:nucleicAcidTest ct:documentHash: give ni:///sha-256;{hex}")
			}
			t.DocumentHash = h
		default:
			return nil, refuse("ilmd", "ct:nucleicAcidTest %s: the chain records ct:result, ct:lab, ct:date and ct:documentHash", k)
		}
	}
	return t, nil
}
