package types_test

import (
	"testing"

	"github.com/coldtrace/coldtrace/types"
)

func TestIDNumberIn(t *testing.T) {
	for s, want := range map[string]bool{
		"11010519491231002X":        true, // GB 11643's own example
		"11010519491231002x":        true,
		"110105194912310021":        false, // wrong check character
		"联系人 11010519491231002X 电话": true,
		"110105491231002":           false, // the older 15 digits: no check character, too loose
		"110105 19491231 002X":      true,
		"110105-19491231-002X":      true,
		"１１０１０５１９４９１２３１００２Ｘ": true,
		"864425190512345":                false, // an IMEI-like device id
		"DN 330100000123456":             false,
		"call 0571-8800 1234, 3 cartons": false,
		"310120260000123456":             false, // a customs declaration number
		"09521234543213":                 false, // a GTIN
		"1101051949123100212":            false, // 19 digits: another number
		"110105194913310020":             false, // no 31st of the 13th month
		"DN-2026-0917, 3 cartons":        false,
		"":                               false,
		"11010518991231002X0":            false,
	} {
		if got := types.IDNumberIn(s); got != want {
			t.Errorf("IDNumberIn(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestPersonalDataRefused: from rules v3 an identity number in any text
// field, nested or in the memo, is refused with code 43; identifier fields
// are not read as people; older rules accepted it.
func TestPersonalDataRefused(t *testing.T) {
	const id = "11010519491231002X"
	for name, tc := range map[string]struct {
		msg  *types.Msg
		memo string
		v3   *types.Error
	}{
		"hold reason": {types.WrapMsg(&types.MsgHold{Batch: "91330106MA2CFX8Q1D/B1", Reason: "buyer Zhang " + id}), "", types.ErrPersonalData},
		"memo":        {types.WrapMsg(&types.MsgHold{Batch: "91330106MA2CFX8Q1D/B1", Reason: "label"}), "id " + id, types.ErrPersonalData},
		"site note":   {types.WrapMsg(&types.MsgRecordSiteTest{Site: "91330106MA2CFX8Q1D", Subject: types.SiteSubject_SITE_SUBJECT_STAFF, Samples: 1, Lab: "L", SampleDate: "2026-11-01", DocumentHash: make([]byte, 32), Note: "worker " + id}), "", types.ErrPersonalData},
		"plain text":  {types.WrapMsg(&types.MsgHold{Batch: "91330106MA2CFX8Q1D/B1", Reason: "label 2026-11-01, 3 cartons"}), "", nil},
	} {
		t.Run(name, func(t *testing.T) {
			b := body(tc.msg)
			b.Memo = tc.memo
			raw := signedRaw(t, marshal(t, b))
			lim := testLimits
			lim.Rules = types.RulesV3
			_, err := types.DecodeTx(raw, lim, true)
			wantCode(t, err, tc.v3)
			if _, isSite := tc.msg.Sum.(*types.Msg_RecordSiteTest); !isSite {
				lim.Rules = types.RulesV2
				_, err = types.DecodeTx(raw, lim, true)
				wantCode(t, err, nil)
			}
		})
	}
}
