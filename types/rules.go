package types

import (
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Rule versions. A change of what the chain accepts gets a new version and
// takes effect at the height where the chain moves to it (an upgrade scheduled
// on chain, set in genesis, or set by the operators after a halt); older
// heights keep executing under the version they were written with, so a node
// replaying from genesis reaches every app hash the chain recorded.
//
//	v1  the rules the chain started with.
//	v2  canonical tx bytes; an empty tx is malformed (code 3); calendar dates in
//	    years 0001-9999 everywhere, a bounded shelf life and production on or
//	    before expiry; no invisible format characters (bidi overrides, zero
//	    width, fillers, private use; blank text) in any text; days and dates
//	    in China's time (UTC+8); times and temperatures bounded; production
//	    and tests not after today; day counters saturate; MsgScheduleUpgrade,
//	    MsgSetParams.
//	v3  customs data in a closed loop (18-digit declaration numbers, lines,
//	    commissions before their declaration recorded as unverified and
//	    matched when it arrives, per-line quantities, alerts for goods and
//	    declarations left unmatched); release evidence from the authorities
//	    (inspection certificates recorded by customs, a release certificate
//	    per release); people and environment tests (MsgRecordSiteTest); a
//	    positive result alerts every division that received the batch; net
//	    weights for goods in pieces; the province's figures; codes in txs
//	    follow GS1 Digital Link's rules for the scheme (one case) and the
//	    query string (no primary key, key qualifier or repeated AI); a tx
//	    may carry the signed time of an offline scan (TxBody.event_time_ms);
//	    SM2 account keys; no identity numbers in text; operators apply to be
//	    registered (MsgApplyEnterprise, MsgDecideApplication) with a profile
//	    and licences, and trade only while their food business licence is
//	    valid (MsgRenewLicence; alerts before and at expiry).
//	v4  a supervision warehouse enters the codes a logistic unit contains,
//	    never the unit itself (code 35); under v3 entering a pallet failed
//	    inside the node (code 1).
const (
	RulesV1 uint32 = 1
	RulesV2 uint32 = 2
	RulesV3 uint32 = 3
	RulesV4 uint32 = 4
)

// LatestRules is the newest version this binary knows (rules_latest.go; a
// build with -tags rulesnext knows one more, for the upgrade tests).

// RuleSet answers what a rules version requires.
type RuleSet uint32

// Rules returns the rule set of a version; 0 is the latest this binary knows,
// so tools and tests that name no version check what a new tx must meet.
func RulesOf(v uint32) RuleSet {
	if v == 0 {
		return RuleSet(LatestRules)
	}
	return RuleSet(v)
}

// CanonicalTx: Tx and TxBody must be the deterministic encoding of what they decode to.
func (r RuleSet) CanonicalTx() bool { return r >= RuleSet(RulesV2) }

// StrictValues: dates, shelf lives and text are checked as v2 describes.
func (r RuleSet) StrictValues() bool { return r >= RuleSet(RulesV2) }

// StrictCodes: codes in txs follow GS1 Digital Link's scheme and query rules (v3).
func (r RuleSet) StrictCodes() bool { return r >= RuleSet(RulesV3) }

// LocalDays: the day of a block time is China's (UTC+8), not UTC's.
func (r RuleSet) LocalDays() bool { return r >= RuleSet(RulesV2) }

// CustomsLoop: commissions and declarations are matched whatever their
// order, and release and sale wait for the match (v3).
func (r RuleSet) CustomsLoop() bool { return r >= RuleSet(RulesV3) }

// AuthorityEvidence: release needs customs' inspection certificate and
// issues a release certificate; figures in grams are kept (v3).
func (r RuleSet) AuthorityEvidence() bool { return r >= RuleSet(RulesV3) }

// Applications: operators apply to be registered, and trade only while
// their food business licence is valid (v3).
func (r RuleSet) Applications() bool { return r >= RuleSet(RulesV3) }

// UnitEntryRefused: a logistic unit is not entered into a supervision
// warehouse; the codes it contains are, as they are tested and released.
func (r RuleSet) UnitEntryRefused() bool { return r >= RuleSet(RulesV4) }

// China is the time zone of the chain's days and dates. China keeps no
// daylight saving time, so a fixed zone needs no tz database.
var China = time.FixedZone("CST", 8*60*60)

// Date is the calendar date of t under r (China's from v2 on, UTC's
// before), as midnight UTC of that date, to compare with other dates.
func (r RuleSet) Date(t time.Time) time.Time {
	t = t.UTC()
	if r.LocalDays() {
		t = t.In(China)
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Day is the date of t (YYYY-MM-DD) under r.
func (r RuleSet) Day(t time.Time) string { return r.Date(t).Format(time.DateOnly) }

// msgSince names the messages added after v1 with the version that added
// them; under older rules they are refused as the binaries of the time
// refused them: as undecodable (code 3).
var msgSince = map[protoreflect.FullName]uint32{
	"coldtrace.v1.MsgScheduleUpgrade":   RulesV2, // descriptors are not built yet when package vars are
	"coldtrace.v1.MsgSetParams":         RulesV2,
	"coldtrace.v1.MsgAddDivision":       RulesV2,
	"coldtrace.v1.MsgRecordSiteTest":    RulesV3,
	"coldtrace.v1.MsgApplyEnterprise":   RulesV3,
	"coldtrace.v1.MsgDecideApplication": RulesV3,
	"coldtrace.v1.MsgRenewLicence":      RulesV3,
}

// fieldSince names the fields added to existing messages after v1; a tx
// that sets one under older rules is refused as undecodable, as the
// binaries of the time refused a field they did not know.
var fieldSince = map[protoreflect.FullName]uint32{
	"coldtrace.v1.TxBody.event_time_ms":             RulesV3, // checked in DecodeTx
	"coldtrace.v1.TxBody.key_algorithm":             RulesV3, // checked in DecodeTx
	"coldtrace.v1.MsgDeclare.lines":                 RulesV3,
	"coldtrace.v1.MsgRecordTest.certificate":        RulesV3,
	"coldtrace.v1.MsgRegisterEnterprise.profile":    RulesV3,
	"coldtrace.v1.MsgDispatch.outside_buyer":        RulesV3,
	"coldtrace.v1.NewCode.origin_code":              RulesV3,
	"coldtrace.v1.ProductFacts.net_grams_per_piece": RulesV3,
	"coldtrace.v1.ProductFacts.hs_code":             RulesV3,
	"coldtrace.v1.ProductFacts.origin_release":      RulesV3,
	"coldtrace.v1.Params.unverified_alert_seconds":  RulesV3,
	"coldtrace.v1.Params.uncommissioned_alert_days": RulesV3,
	"coldtrace.v1.Params.site_alert_days":           RulesV3,
	"coldtrace.v1.Params.max_event_age_seconds":     RulesV3,
}

// KnowsFields refuses a message that sets a field added after r.
func (r RuleSet) KnowsFields(m protoreflect.Message) error {
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if since, ok := fieldSince[fd.FullName()]; ok && uint32(r) < since {
			err = ErrTxDecode.Wrapf("field %s does not exist under rules v%d", fd.FullName(), r)
			return false
		}
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len() && err == nil; i++ {
				err = r.KnowsFields(l.Get(i).Message())
			}
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			err = r.KnowsFields(v.Message())
		}
		return err == nil
	})
	return err
}

// Knows reports whether messages of this type exist under r.
func (r RuleSet) Knows(name protoreflect.FullName) bool {
	v, ok := msgSince[name]
	return !ok || uint32(r) >= v
}

// ValidateBasic checks an upgrade's fields; the handler checks them against
// the rules in force and the height.
func (m *MsgScheduleUpgrade) ValidateBasic() error {
	if m.Version < 2 {
		return ErrInvalidField.Wrapf("version must be 2 or more, got %d", m.Version)
	}
	if m.Height < 0 {
		return ErrInvalidField.Wrapf("height must be positive (or 0 to cancel), got %d", m.Height)
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}

// ValidateBasic checks a parameter change: parameters that leave the chain
// usable, a height and a reason; the handler checks the rest.
func (m *MsgSetParams) ValidateBasic() error {
	if err := m.Params.Validate(); err != nil {
		return err
	}
	if m.Height < 1 {
		return ErrInvalidField.Wrapf("height must be a future height, got %d", m.Height)
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}

// ValidateBasic checks a division to add: a well-formed code, a name, a reason.
func (m *MsgAddDivision) ValidateBasic() error {
	if _, err := ParseDivision(m.Division); err != nil {
		return err
	}
	if err := ValidateText("name", m.Name, MaxNameBytes, true); err != nil {
		return err
	}
	return ValidateText("reason", m.Reason, MaxReasonBytes, true)
}
