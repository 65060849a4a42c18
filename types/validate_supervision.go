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
	if err := ValidateText("goods", m.Goods, MaxNameBytes, true); err != nil {
		return err
	}
	if m.Gtin != "" {
		if err := ValidateGTIN(m.Gtin); err != nil {
			return err
		}
	}
	if err := validateQuantity("quantity", m.Quantity); err != nil {
		return err
	}
	if m.Unit != QuantityUnit_QUANTITY_UNIT_GRAMS && m.Unit != QuantityUnit_QUANTITY_UNIT_PIECES {
		return ErrInvalidField.Wrapf("unit must be grams or pieces")
	}
	if !isCountry(m.OriginCountry) {
		return ErrInvalidField.Wrapf("origin_country %q must be an ISO 3166-1 alpha-2 code", m.OriginCountry)
	}
	return ValidateUSCC(m.Importer)
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
	return validateHash("document_hash", m.DocumentHash, false)
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
