package types

import "fmt"

func validateCodeList(field string, codes []string, required bool) error {
	if len(codes) == 0 && required {
		return ErrInvalidField.Wrapf("%s: at least one code is required", field)
	}
	if len(codes) > MaxCodesPerMsg {
		return ErrInvalidField.Wrapf("%s: %d codes, limit %d", field, len(codes), MaxCodesPerMsg)
	}
	seen := map[string]bool{}
	for i, s := range codes {
		c, err := ValidateCodeString(fmt.Sprintf("%s[%d]", field, i), s)
		if err != nil {
			return err
		}
		if seen[c] {
			return ErrInvalidField.Wrapf("%s[%d]: code %s appears twice", field, i, c)
		}
		seen[c] = true
	}
	return nil
}

// validateBatchOrCodes checks a target given as a batch id or a list of codes (exactly one).
func validateBatchOrCodes(batch string, codes []string) error {
	if (batch == "") == (len(codes) == 0) {
		return ErrInvalidField.Wrapf("give either a batch (USCC/BATCH) or codes")
	}
	if batch != "" {
		return ValidateBatchID(batch)
	}
	return validateCodeList("codes", codes, true)
}

// ValidateBatchID checks a batch id: the commissioner's USCC, '/', the batch name.
func ValidateBatchID(id string) error {
	if len(id) < 20 || id[18] != '/' {
		return ErrInvalidField.Wrapf("batch %q is not USCC/BATCH", id)
	}
	if err := ValidateUSCC(id[:18]); err != nil {
		return err
	}
	return ValidateText("batch", id[19:], 64, true)
}

func (m *MsgDeclare) ValidateBasic() error {
	if err := ValidateText("number", m.Number, 64, true); err != nil {
		return err
	}
	if err := ValidateText("port", m.Port, MaxLabelBytes, true); err != nil {
		return err
	}
	if err := ValidateDate("date", m.Date, true); err != nil {
		return err
	}
	if err := ValidateUSCC(m.Importer); err != nil {
		return err
	}
	if len(m.Lines) > 0 {
		if m.Goods != "" || m.Gtin != "" || m.Quantity != 0 || m.Unit != QuantityUnit_QUANTITY_UNIT_UNSPECIFIED || m.OriginCountry != "" {
			return ErrInvalidField.Wrapf("a declaration with lines leaves goods, gtin, quantity, unit and origin_country empty: each line carries its own")
		}
		if len(m.Lines) > MaxDeclarationLines {
			return ErrInvalidField.Wrapf("%d lines, limit %d", len(m.Lines), MaxDeclarationLines)
		}
		for i, l := range m.Lines {
			if err := l.validate(fmt.Sprintf("lines[%d]", i)); err != nil {
				return err
			}
		}
		return nil
	}
	return (&DeclarationLine{Goods: m.Goods, Gtin: m.Gtin, OriginCountry: m.OriginCountry, Quantity: m.Quantity, Unit: m.Unit}).validate("")
}

// MaxDeclarationLines bounds the lines of one declaration.
const MaxDeclarationLines = 100

// validate checks one line; prefix names it in errors ("" for the fields of
// a single-line declaration).
func (l *DeclarationLine) validate(prefix string) error {
	f := func(name string) string {
		if prefix == "" {
			return name
		}
		return prefix + "." + name
	}
	if err := ValidateText(f("goods"), l.Goods, MaxNameBytes, true); err != nil {
		return err
	}
	if l.Gtin != "" {
		if err := ValidateGTIN(l.Gtin); err != nil {
			return err
		}
	}
	if err := ValidateHSCode(f("hs_code"), l.HsCode); err != nil {
		return err
	}
	if err := validateQuantity(f("quantity"), l.Quantity); err != nil {
		return err
	}
	if l.Unit != QuantityUnit_QUANTITY_UNIT_GRAMS && l.Unit != QuantityUnit_QUANTITY_UNIT_PIECES {
		return ErrInvalidField.Wrapf("%s must be grams or pieces", f("unit"))
	}
	if !isCountry(l.OriginCountry) {
		return ErrInvalidField.Wrapf("%s %q must be an ISO 3166-1 alpha-2 code", f("origin_country"), l.OriginCountry)
	}
	if prefix != "" {
		if l.Gtin == "" && l.HsCode == "" {
			return ErrInvalidField.Wrapf("%s names its goods by neither gtin nor hs_code", prefix)
		}
		if l.Unit == QuantityUnit_QUANTITY_UNIT_PIECES && l.NetGrams == 0 {
			return ErrInvalidField.Wrapf("%s is counted in pieces: give its net_grams so tonnes add up", prefix)
		}
		if l.Unit == QuantityUnit_QUANTITY_UNIT_GRAMS && l.NetGrams != 0 && l.NetGrams != l.Quantity {
			return ErrInvalidField.Wrapf("%s is counted in grams: net_grams %d must be empty or equal quantity %d", prefix, l.NetGrams, l.Quantity)
		}
	}
	return nil
}

// Grams is the line's net weight.
func (l *DeclarationLine) Grams() uint64 {
	if l.Unit == QuantityUnit_QUANTITY_UNIT_GRAMS {
		return l.Quantity
	}
	return l.NetGrams
}

// DeclarationLines are a declaration's lines: its own, or the one its
// single-line fields describe.
func (m *MsgDeclare) DeclarationLines() []*DeclarationLine {
	if len(m.Lines) > 0 {
		return m.Lines
	}
	return []*DeclarationLine{{Goods: m.Goods, Gtin: m.Gtin, OriginCountry: m.OriginCountry, Quantity: m.Quantity, Unit: m.Unit}}
}

// ValidateHSCode checks an optional China tariff code: 10 digits.
func ValidateHSCode(field, s string) error {
	if s == "" {
		return nil
	}
	if len(s) != 10 || !allDigits(s) {
		return ErrInvalidField.Wrapf("%s %q must be China's 10-digit tariff (HS) code", field, s)
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ValidateDeclarationNumber checks a customs declaration number (报关单号)
// as rules v3 require it: 18 digits — the customs office (4), the year (4),
// then the office's own numbering.
func ValidateDeclarationNumber(field, n string) error {
	if len(n) != 18 || !allDigits(n) {
		return ErrInvalidField.Wrapf("%s %q must be an 18-digit customs declaration number", field, n)
	}
	if y := n[4:8]; y < "1980" || y > "2099" {
		return ErrInvalidField.Wrapf("%s %q: digits 5-8 must be the year of declaration, not %s", field, n, y)
	}
	return nil
}

func (m *MsgWarehouseEntry) ValidateBasic() error { return validateCodeList("codes", m.Codes, true) }

func (m *MsgRelease) ValidateBasic() error {
	if err := validateCodeList("codes", m.Codes, true); err != nil {
		return err
	}
	if err := ValidateText("inspection_certificate", m.InspectionCertificate, MaxNameBytes, false); err != nil {
		return err
	}
	return ValidateText("disinfection_certificate", m.DisinfectionCertificate, MaxNameBytes, false)
}

func (m *MsgRecordTest) ValidateBasic() error {
	if err := validateBatchOrCodes(m.Batch, m.Codes); err != nil {
		return err
	}
	if m.Kind != TestKind_TEST_KIND_INSPECTION && m.Kind != TestKind_TEST_KIND_SAMPLING {
		return ErrInvalidField.Wrapf("kind must be inspection or sampling")
	}
	if m.Result != TestResult_TEST_RESULT_NEGATIVE && m.Result != TestResult_TEST_RESULT_POSITIVE {
		return ErrInvalidField.Wrapf("result must be negative or positive")
	}
	if err := ValidateText("lab", m.Lab, MaxNameBytes, true); err != nil {
		return err
	}
	if err := ValidateText("sample_id", m.SampleId, MaxLabelBytes, false); err != nil {
		return err
	}
	if err := ValidateText("test_name", m.TestName, MaxLabelBytes, true); err != nil {
		return err
	}
	if err := ValidateText("certificate", m.Certificate, MaxLabelBytes, false); err != nil {
		return err
	}
	if m.Certificate != "" && (m.Kind != TestKind_TEST_KIND_INSPECTION || m.Result != TestResult_TEST_RESULT_NEGATIVE || m.Batch == "") {
		return ErrInvalidField.Wrapf("a certificate is issued for an inspection of a whole batch that found nothing (kind inspection, result negative, batch)")
	}
	return validateHash("document_hash", m.DocumentHash, false)
}

// MaxSiteSamples bounds the samples of one site test.
const MaxSiteSamples = 100_000

func (m *MsgRecordSiteTest) ValidateBasic() error {
	if err := ValidateUSCC(m.Site); err != nil {
		return err
	}
	if _, ok := SiteSubject_name[int32(m.Subject)]; !ok || m.Subject == SiteSubject_SITE_SUBJECT_UNSPECIFIED {
		return ErrInvalidField.Wrapf("subject must be staff, surface, vehicle or packaging")
	}
	if m.Samples < 1 || m.Samples > MaxSiteSamples {
		return ErrInvalidField.Wrapf("samples must be 1 to %d, got %d", MaxSiteSamples, m.Samples)
	}
	if m.Positives > m.Samples {
		return ErrInvalidField.Wrapf("positives %d exceed samples %d", m.Positives, m.Samples)
	}
	if err := ValidateText("lab", m.Lab, MaxNameBytes, true); err != nil {
		return err
	}
	if err := ValidateDate("sample_date", m.SampleDate, true); err != nil {
		return err
	}
	if err := validateHash("document_hash", m.DocumentHash, true); err != nil {
		return err
	}
	return ValidateText("note", m.Note, MaxReasonBytes, false)
}

func (m *MsgHold) ValidateBasic() error {
	if err := validateBatchOrCodes(m.Batch, m.Codes); err != nil {
		return err
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}

func (m *MsgUnhold) ValidateBasic() error {
	if err := validateBatchOrCodes(m.Batch, m.Codes); err != nil {
		return err
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}

func (m *MsgRecall) ValidateBasic() error {
	if err := ValidateBatchID(m.Batch); err != nil {
		return err
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}

func (m *MsgDestroy) ValidateBasic() error {
	if _, err := ValidateCodeString("code", m.Code); err != nil {
		return err
	}
	if err := ValidateUSCC(m.Holder); err != nil {
		return err
	}
	if err := validateQuantity("quantity", m.Quantity); err != nil {
		return err
	}
	if err := ValidateText("method", m.Method, MaxLabelBytes, true); err != nil {
		return err
	}
	return validateHash("document_hash", m.DocumentHash, false)
}

func (m *MsgAcknowledge) ValidateBasic() error {
	if m.Alert == 0 {
		return ErrInvalidField.Wrapf("alert id is required")
	}
	return ValidateText("comment", m.Comment, MaxReasonBytes, true)
}

func (m *MsgSetValidator) ValidateBasic() error {
	if err := ValidateKey("pub_key", m.PubKey); err != nil {
		return err
	}
	if m.Power < 0 {
		return ErrInvalidField.Wrapf("power %d must be 0 (remove) or positive", m.Power)
	}
	if _, err := ParseDivision(m.Operator); err != nil {
		return err
	}
	return ValidateText("name", m.Name, MaxLabelBytes, false)
}
