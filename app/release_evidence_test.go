package app

import (
	"strings"
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

// TestReleaseEvidenceFromAuthorities: from rules v2 a negative test the
// importer typed into its own batch facts no longer satisfies the release
// gate; the refusal names the test the rule needs, and once a supervision
// warehouse records it for the batch the goods are released. (Under v1 the
// facts' test counted: TestSupervisionReleaseConditionsSupplied.)
func TestReleaseEvidenceFromAuthorities(t *testing.T) {
	c := newSVChainRules(t, nil, types.RulesV2)
	svParties(c)
	c.ok(c.tx(kImp, svCommission("EC-V2", svImportedFacts("310120230000999999"), 1, 1000)))
	code := svCode("EC-V2", "0001")
	toWH := svConsignment(t, c.ok(c.tx(kImp, &types.MsgDispatch{Buyer: svWHUSCC, Items: svItems(code, 1000)})))
	svReceiveAll(t, c, kSVWH, toWH)
	c.ok(c.tx(kSVWH, &types.MsgWarehouseEntry{Codes: []string{code}}))
	res := c.refused(c.tx(kSVWH, &types.MsgRelease{Codes: []string{code}, DisinfectionCertificate: "DS-1"}), types.ErrReleaseRefused)
	if !strings.Contains(res.Log, "recorded by customs, a supervision warehouse or a regulator") {
		t.Fatalf("the refusal does not name the test the rule needs: %s", res.Log)
	}
	c.ok(c.tx(kSVWH, &types.MsgRecordTest{Batch: importerUSCC + "/EC-V2", Kind: types.TestKind_TEST_KIND_SAMPLING,
		Result: types.TestResult_TEST_RESULT_NEGATIVE, Lab: "Hangzhou CDC", TestName: "SARS-CoV-2 nucleic acid"}))
	c.ok(c.tx(kSVWH, &types.MsgRelease{Codes: []string{code}, DisinfectionCertificate: "DS-1"}))
	if r := svRecord(t, c, code); !r.Released {
		t.Fatalf("not released: %+v", r)
	}
}
