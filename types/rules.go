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
//	    MsgSetParams; codes in txs follow GS1 Digital Link's rules for the
//	    scheme (one case) and the query string (no primary key, key
//	    qualifier or repeated AI).
const (
	RulesV1     uint32 = 1
	RulesV2     uint32 = 2
	LatestRules uint32 = RulesV2
)

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

// StrictCodes: codes in txs follow GS1 Digital Link's scheme and query rules.
func (r RuleSet) StrictCodes() bool { return r >= RuleSet(RulesV2) }

// LocalDays: the day of a block time is China's (UTC+8), not UTC's.
func (r RuleSet) LocalDays() bool { return r >= RuleSet(RulesV2) }

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
	"coldtrace.v1.MsgScheduleUpgrade": RulesV2, // descriptors are not built yet when package vars are
	"coldtrace.v1.MsgSetParams":       RulesV2,
	"coldtrace.v1.MsgAddDivision":     RulesV2,
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
