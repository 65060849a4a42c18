package types

import (
	"crypto/sha256"
	"fmt"
	"time"
)

// MaxCodesPerMsg bounds the codes one message may name.
const MaxCodesPerMsg = 1000

// MaxQuantity bounds one quantity (10^15 grams is a million tonnes), so that
// the sum over a message can never overflow.
const MaxQuantity = 1_000_000_000_000_000

func validateQuantity(field string, q uint64) error {
	if q == 0 {
		return ErrInvalidQuantity.Wrapf("%s: quantity must be positive", field)
	}
	if q > MaxQuantity {
		return ErrInvalidQuantity.Wrapf("%s: quantity %d exceeds %d", field, q, uint64(MaxQuantity))
	}
	return nil
}

// ValidateCodeString checks that s parses as a code and returns its canonical form.
func ValidateCodeString(field, s string) (string, error) {
	c, err := ParseTxCode(s)
	if err != nil {
		return "", ErrInvalidCode.Wrapf("%s: %s", field, trimName(err, ErrInvalidCode))
	}
	return c.String(), nil
}

// ValidateDate checks a YYYY-MM-DD date.
func ValidateDate(field, s string, required bool) error {
	if s == "" {
		if required {
			return ErrInvalidField.Wrapf("%s is required (YYYY-MM-DD)", field)
		}
		return nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return ErrInvalidField.Wrapf("%s %q is not a date of the form YYYY-MM-DD", field, s)
	}
	return nil
}

func validateHash(field string, h []byte, required bool) error {
	if len(h) == 0 && !required {
		return nil
	}
	if len(h) != sha256.Size {
		return ErrInvalidField.Wrapf("%s has %d bytes, want a 32-byte sha256", field, len(h))
	}
	return nil
}

func validateOptionalUSCC(field, s string) error {
	if s == "" {
		return nil
	}
	if err := ValidateUSCC(s); err != nil {
		return ErrInvalidUSCC.Wrapf("%s: %s", field, trimName(err, ErrInvalidUSCC))
	}
	return nil
}

// validateCodeQuantities checks a list of (code, quantity): 1..MaxCodesPerMsg
// entries, each a valid code with a positive quantity, no code twice.
func validateCodeQuantities(field string, items []*CodeQuantity, allowEmpty bool) error {
	if len(items) == 0 && !allowEmpty {
		return ErrInvalidField.Wrapf("%s: at least one code is required", field)
	}
	if len(items) > MaxCodesPerMsg {
		return ErrInvalidField.Wrapf("%s: %d codes, limit %d", field, len(items), MaxCodesPerMsg)
	}
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		c, err := ValidateCodeString(fmt.Sprintf("%s[%d]", field, i), it.Code)
		if err != nil {
			return err
		}
		if err := validateQuantity(fmt.Sprintf("%s[%d]", field, i), it.Quantity); err != nil {
			return err
		}
		if seen[c] {
			return ErrInvalidField.Wrapf("%s[%d]: code %s appears twice", field, i, c)
		}
		seen[c] = true
	}
	return nil
}

func validateNewCodes(field string, codes []*NewCode, needUnit bool) error {
	if len(codes) == 0 {
		return ErrInvalidField.Wrapf("%s: at least one code is required", field)
	}
	if len(codes) > MaxCodesPerMsg {
		return ErrInvalidField.Wrapf("%s: %d codes, limit %d", field, len(codes), MaxCodesPerMsg)
	}
	seen := make(map[string]bool, len(codes))
	for i, nc := range codes {
		f := fmt.Sprintf("%s[%d]", field, i)
		if nc.Code != "" {
			c, err := ParseTxCode(nc.Code)
			if err != nil {
				return ErrInvalidCode.Wrapf("%s: %s", f, trimName(err, ErrInvalidCode))
			}
			if c.Kind == CodeSSCC {
				return ErrLogisticUnit.Wrapf("%s: %s is a logistic unit; units are created by aggregating codes", f, c)
			}
			if c.Kind == CodeNative {
				return ErrInvalidCode.Wrapf("%s: native codes are issued by the chain; leave the code empty to get one", f)
			}
			if seen[c.String()] {
				return ErrInvalidField.Wrapf("%s: code %s appears twice", f, c)
			}
			seen[c.String()] = true
		}
		if err := validateQuantity(f, nc.Quantity); err != nil {
			return err
		}
		if needUnit && nc.Unit != QuantityUnit_QUANTITY_UNIT_GRAMS && nc.Unit != QuantityUnit_QUANTITY_UNIT_PIECES {
			return ErrInvalidField.Wrapf("%s: unit must be grams or pieces", f)
		}
		if err := ValidateText(f+".origin_code", nc.OriginCode, 200, false); err != nil {
			return err
		}
	}
	return nil
}

// ValidateBasic checks the facts a new batch records.
func (f *ProductFacts) ValidateBasic() error {
	if err := ValidateText("facts.name", f.Name, MaxNameBytes, true); err != nil {
		return err
	}
	if err := ValidateText("facts.category", f.Category, MaxLabelBytes, true); err != nil {
		return err
	}
	if f.Gtin != "" {
		if err := ValidateGTIN(f.Gtin); err != nil {
			return err
		}
	}
	if !isCountry(f.OriginCountry) {
		return ErrInvalidField.Wrapf("facts.origin_country %q must be an ISO 3166-1 alpha-2 code such as CN or EC", f.OriginCountry)
	}
	if err := ValidateDate("facts.production_date", f.ProductionDate, true); err != nil {
		return err
	}
	if err := ValidateDate("facts.expiry_date", f.ExpiryDate, false); err != nil {
		return err
	}
	if f.ExpiryDate == "" && f.ShelfLifeDays == 0 {
		return ErrInvalidField.Wrapf("facts: give expiry_date or shelf_life_days")
	}
	for _, t := range []struct{ field, v string }{
		{"facts.origin_release", f.OriginRelease},
		{"facts.supplier", f.Supplier}, {"facts.certificate_of_origin", f.CertificateOfOrigin},
		{"facts.customs_declaration", f.CustomsDeclaration}, {"facts.inspection_certificate", f.InspectionCertificate},
		{"facts.disinfection_certificate", f.DisinfectionCertificate},
	} {
		if err := ValidateText(t.field, t.v, MaxNameBytes, false); err != nil {
			return err
		}
	}
	if t := f.NucleicAcidTest; t != nil {
		if t.Result != TestResult_TEST_RESULT_NEGATIVE && t.Result != TestResult_TEST_RESULT_POSITIVE {
			return ErrInvalidField.Wrapf("facts.nucleic_acid_test.result must be negative or positive")
		}
		if err := ValidateText("facts.nucleic_acid_test.lab", t.Lab, MaxNameBytes, true); err != nil {
			return err
		}
		if err := ValidateDate("facts.nucleic_acid_test.date", t.Date, true); err != nil {
			return err
		}
		if err := validateHash("facts.nucleic_acid_test.document_hash", t.DocumentHash, true); err != nil {
			return err
		}
	}
	if f.TempMinCenti > f.TempMaxCenti {
		return ErrInvalidField.Wrapf("facts: temp_min_centi %d is above temp_max_centi %d", f.TempMinCenti, f.TempMaxCenti)
	}
	return ValidateHSCode("facts.hs_code", f.HsCode)
}

func (m *MsgCommission) ValidateBasic() error {
	if err := ValidateText("batch", m.Batch, 64, true); err != nil {
		return err
	}
	if m.Facts != nil {
		if err := m.Facts.ValidateBasic(); err != nil {
			return err
		}
	}
	return validateNewCodes("codes", m.Codes, true)
}

func (m *MsgDispatch) ValidateBasic() error {
	if o := m.OutsideBuyer; o != nil {
		if m.Buyer != "" {
			return ErrInvalidField.Wrapf("give buyer (on this chain) or outside_buyer (outside the province), not both")
		}
		if err := ValidateUSCC(o.Uscc); err != nil {
			return err
		}
		if err := ValidateText("outside_buyer.name", o.Name, MaxNameBytes, true); err != nil {
			return err
		}
		if d, err := ParseDivision(o.Province); err != nil || d.Level() != 1 {
			return ErrInvalidField.Wrapf("outside_buyer.province %q must be a GB/T 2260 province code such as 310000", o.Province)
		}
	} else if err := ValidateUSCC(m.Buyer); err != nil {
		return err
	}
	if err := validateOptionalUSCC("carrier", m.Carrier); err != nil {
		return err
	}
	if err := ValidateText("reference", m.Reference, MaxLabelBytes, false); err != nil {
		return err
	}
	return validateCodeQuantities("items", m.Items, false)
}

func (m *MsgReceive) ValidateBasic() error {
	if err := validateHash("consignment", m.Consignment, true); err != nil {
		return err
	}
	if err := ValidateText("note", m.Note, MaxReasonBytes, false); err != nil {
		return err
	}
	return validateCodeQuantities("received", m.Received, true)
}

func (m *MsgSell) ValidateBasic() error {
	if m.Kind != SaleKind_SALE_KIND_RETAIL && m.Kind != SaleKind_SALE_KIND_CONSUMED {
		return ErrInvalidField.Wrapf("kind must be retail or consumed")
	}
	if err := validateOptionalUSCC("business_buyer", m.BusinessBuyer); err != nil {
		return err
	}
	return validateCodeQuantities("items", m.Items, false)
}

func (m *MsgSplit) ValidateBasic() error {
	if _, err := ValidateCodeString("parent", m.Parent); err != nil {
		return err
	}
	return validateNewCodes("children", m.Children, false)
}

func validateUnitCode(s string) error {
	c, err := ParseTxCode(s)
	if err != nil {
		return ErrInvalidCode.Wrapf("unit: %s", trimName(err, ErrInvalidCode))
	}
	if c.Kind != CodeSSCC {
		return ErrLogisticUnit.Wrapf("unit %s is not an SSCC", c)
	}
	return nil
}

func (m *MsgAggregate) ValidateBasic() error {
	if err := validateUnitCode(m.Unit); err != nil {
		return err
	}
	return validateCodeQuantities("items", m.Items, false)
}

func (m *MsgDisaggregate) ValidateBasic() error { return validateUnitCode(m.Unit) }

func (m *MsgSensorReport) ValidateBasic() error {
	if (len(m.Codes) == 0) == (len(m.Consignment) == 0) {
		return ErrInvalidField.Wrapf("give either codes or a consignment")
	}
	if len(m.Codes) > MaxCodesPerMsg {
		return ErrInvalidField.Wrapf("codes: %d codes, limit %d", len(m.Codes), MaxCodesPerMsg)
	}
	seen := map[string]bool{}
	for i, s := range m.Codes {
		c, err := ValidateCodeString(fmt.Sprintf("codes[%d]", i), s)
		if err != nil {
			return err
		}
		if seen[c] {
			return ErrInvalidField.Wrapf("codes[%d]: code %s appears twice", i, c)
		}
		seen[c] = true
	}
	if len(m.Consignment) > 0 {
		if err := validateHash("consignment", m.Consignment, true); err != nil {
			return err
		}
	}
	if m.MinCenti > m.MaxCenti {
		return ErrInvalidField.Wrapf("min_centi %d is above max_centi %d", m.MinCenti, m.MaxCenti)
	}
	if m.StartUnix <= 0 || m.EndUnix < m.StartUnix {
		return ErrInvalidField.Wrapf("the window start_unix %d .. end_unix %d is empty or reversed", m.StartUnix, m.EndUnix)
	}
	if err := ValidateText("device_id", m.DeviceId, MaxLabelBytes, true); err != nil {
		return err
	}
	return validateHash("raw_data_hash", m.RawDataHash, false)
}

func (m *MsgCorrect) ValidateBasic() error {
	if err := validateHash("event", m.Event, true); err != nil {
		return err
	}
	if m.Reason != CorrectionReason_CORRECTION_REASON_DID_NOT_OCCUR && m.Reason != CorrectionReason_CORRECTION_REASON_INCORRECT_DATA {
		return ErrInvalidField.Wrapf("reason must be did_not_occur or incorrect_data")
	}
	if err := ValidateText("note", m.Note, MaxReasonBytes, false); err != nil {
		return err
	}
	if len(m.CorrectiveEvents) > 16 {
		return ErrInvalidField.Wrapf("at most 16 corrective events")
	}
	for i, h := range m.CorrectiveEvents {
		if err := validateHash(fmt.Sprintf("corrective_events[%d]", i), h, true); err != nil {
			return err
		}
	}
	return nil
}
