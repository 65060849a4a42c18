package state

import (
	"encoding/binary"
	"fmt"

	"github.com/coldtrace/coldtrace/types"
)

// Key layout. Every key starts with one prefix byte, registered below with
// its name, the rest of its key and its value; register refuses a byte used
// twice, so no two records can collide, and docs/ARCHITECTURE.md's key table
// is checked against this registry (keys_test.go). The rest of a key is
// fixed-width or ends the key. Values are protobuf (types package) unless noted.
//
// Canonical codes and batch ids never contain 0x00 (codes are percent-encoded,
// batch names refuse control characters), so 0x00 ends them unambiguously.
var (
	prefixParams          = register(0x01, "params", "", "`Params`")
	prefixRegulator       = register(0x02, "regulator", "division(6)", "`Regulator`")
	prefixEnterprise      = register(0x03, "enterprise", "uscc(18)", "`Enterprise`")
	prefixAccount         = register(0x04, "account", "ed25519 key(32)", "`Account` (owner, next sequence, revoked)")
	prefixEnterpriseByDiv = register(0x05, "enterprise by division", "division(6) ‖ uscc(18)", "0x01: enterprises by division")
	prefixKeyByOwner      = register(0x06, "key by owner", "owner kind(1) ‖ owner id ‖ key(32)", "0x01: keys by owner (ids are fixed-width per kind)")
	prefixChainID         = register(0x07, "chain id", "", "raw UTF-8")
	prefixCustoms         = register(0x08, "customs", "", "`Customs`")
	prefixBlockDate       = register(0x09, "block date", "", "YYYY-MM-DD: the date of the last block (China's from rules v2, UTC's before), written when it changes")
	prefixBatch           = register(0x10, "batch", "batch id", "`Batch` (id = commissioner USCC \"/\" batch)")
	prefixCode            = register(0x11, "code", "code", "`CodeRecord` (code in canonical form)")
	prefixEvent           = register(0x12, "event", "event hash(32)", "`Event`")
	prefixHistory         = register(0x13, "history", "code ‖ 0x00 ‖ index(8, BE)", "event hash(32)")
	prefixConsignment     = register(0x14, "consignment", "consignment id(32)", "`Consignment`")
	prefixHolding         = register(0x15, "holdings index", "holder uscc(18) ‖ code", "0x01: codes an enterprise holds")
	prefixBatchCode       = register(0x16, "batch index", "batch id ‖ 0x00 ‖ code", "0x01: codes of a batch")
	prefixInbound         = register(0x17, "inbound index", "buyer uscc(18) ‖ id(32)", "0x01: open consignments to a buyer")
	prefixNativeCounter   = register(0x18, "native counter", "issuer uscc(18)", "uint64 BE: last native code number issued")
	prefixDeclaration     = register(0x19, "declaration", "declaration number", "`Declaration`")
	prefixRecall          = register(0x1A, "recall", "recall id(8, BE)", "`Recall`")
	prefixSequence        = register(0x1B, "sequence", "name", "uint64 BE: last id issued (\"alert\", \"recall\")")
	prefixReceiptWatch    = register(0x1C, "receipt watch", "due ms(8, BE) ‖ consignment id(32)", "0x01: consignments to check for receipt")
	prefixExpiryWatch     = register(0x1D, "expiry watch", "expiry date YYYY-MM-DD ‖ batch id", "0x01: batches to check at expiry (parsed by structure: v1 could write longer years)")
	prefixAlert           = register(0x1E, "alert", "alert id(8, BE)", "`Alert`")
	prefixOpenAlert       = register(0x1F, "open alerts", "division(6) ‖ alert id(8, BE)", "0x01: open alerts by division")
	prefixDayStats        = register(0x20, "day stats", "division(6) ‖ day(10)", "`DayStats`")
	prefixHold            = register(0x21, "holds index", "division(6) ‖ code", "0x01: held codes by holder division")
	prefixValidator       = register(0x22, "validator", "ed25519 consensus key(32)", "`Validator` (the validator set; a removed validator is deleted)")
	prefixRules           = register(0x23, "rules", "", "`Rules` (the version in force since a height, upgrades scheduled; absent: v1)")
	prefixDivision        = register(0x24, "added division", "division(6)", "`AddedDivision`: a code the GB/T 2260 list shipped with the binary lacks, added by the root regulator")
	prefixCustomsWatch    = register(0x25, "customs watch", "due ms(8, BE) ‖ kind(1: 'U' unverified batch, 'D' declaration) ‖ batch id or declaration number", "0x01: customs matches to check (rules v3)")
	prefixPendingDecl     = register(0x26, "declaration waiting", "declaration number ‖ 0x00 ‖ batch id", "0x01: batches citing a declaration customs has not recorded (rules v3)")
	prefixReleaseCert     = register(0x27, "release certificate", "certificate number", "`ReleaseCertificate` (rules v3)")
	prefixSupplied        = register(0x28, "supplied index", "sender uscc(18) ‖ buyer division(6)", "last dispatch time ms(8, BE): where a site's goods went (rules v3)")
	prefixSiteTest        = register(0x29, "site test", "test id(8, BE)", "`SiteTest`: a people or environment test (rules v3)")
	prefixLicenceWatch    = register(0x2A, "licence watch", "date YYYY-MM-DD ‖ kind(1: 'W' expires soon, 'E' expired) ‖ uscc(18) ‖ licence number", "0x01: licence dates to check (rules v3)")
	prefixOriginCode      = register(0x2B, "origin code", "code in the province the goods came from", "this chain's code (rules v3): both resolve to one history")
)

// Prefix is one registered key prefix: its byte, name, what follows it in
// the key ("" when the prefix is the whole key) and what the value holds.
type Prefix struct {
	Byte              byte
	Name, Rest, Value string
}

// Prefixes lists every registered prefix in byte order.
var Prefixes []Prefix

// register adds a prefix to the registry; a byte registered twice, out of
// order, or 0x00 is a programming error caught when the package loads.
func register(b byte, name, rest, value string) byte {
	if b == 0 || name == "" {
		panic(fmt.Sprintf("state: prefix %#02x %q: prefixes are non-zero and named", b, name))
	}
	if n := len(Prefixes); n > 0 && Prefixes[n-1].Byte >= b {
		panic(fmt.Sprintf("state: prefix %#02x %q registered after %#02x %q: register each byte once, in order", b, name, Prefixes[n-1].Byte, Prefixes[n-1].Name))
	}
	Prefixes = append(Prefixes, Prefix{Byte: b, Name: name, Rest: rest, Value: value})
	return b
}

func key(prefix byte, parts ...[]byte) []byte {
	n := 1
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	k = append(k, prefix)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// CustomsWatchKey schedules a customs check: kind 'U' for a batch still
// waiting for its declaration, 'D' for a declaration no commission cited.
func CustomsWatchKey(dueMs int64, kind byte, id string) []byte {
	return key(prefixCustomsWatch, binary.BigEndian.AppendUint64(nil, uint64(dueMs)), []byte{kind}, []byte(id))
}

// CustomsWatchPrefix is the start of the customs watch entries.
func CustomsWatchPrefix() []byte { return []byte{prefixCustomsWatch} }

// PendingDeclarationKey indexes a batch under the declaration it waits for.
func PendingDeclarationKey(number, batchID string) []byte {
	return key(prefixPendingDecl, []byte(number), []byte{0}, []byte(batchID))
}

// PendingDeclarationPrefix is the start of the batches waiting for a declaration.
func PendingDeclarationPrefix(number string) []byte {
	return key(prefixPendingDecl, []byte(number), []byte{0})
}

// ReleaseCertificateKey is the key of a release certificate.
func ReleaseCertificateKey(number string) []byte { return key(prefixReleaseCert, []byte(number)) }

// SuppliedKey records when a sender last dispatched to a buyer in a division.
func SuppliedKey(sender, division string) []byte {
	return key(prefixSupplied, []byte(sender), []byte(division))
}

// SuppliedPrefix is the start of a sender's supplied entries.
func SuppliedPrefix(sender string) []byte { return key(prefixSupplied, []byte(sender)) }

// SiteTestKey is the key of a site test.
func SiteTestKey(id uint64) []byte {
	return key(prefixSiteTest, binary.BigEndian.AppendUint64(nil, id))
}

// LicenceWatchKey schedules a licence check on a date.
func LicenceWatchKey(date string, kind byte, uscc, number string) []byte {
	return key(prefixLicenceWatch, []byte(date), []byte{kind}, []byte(uscc), []byte(number))
}

// LicenceWatchPrefix is the start of the licence watch entries.
func LicenceWatchPrefix() []byte { return []byte{prefixLicenceWatch} }

// OriginCodeKey maps a code of another province to this chain's code.
func OriginCodeKey(origin string) []byte { return key(prefixOriginCode, []byte(origin)) }

// ParamsKey is where the chain parameters live.
func ParamsKey() []byte { return []byte{prefixParams} }

// DivisionKey holds a division the root regulator added to the GB/T 2260 list.
func DivisionKey(code string) []byte { return key(prefixDivision, []byte(code)) }

// RulesKey holds the rules version in force and the upgrades scheduled.
func RulesKey() []byte { return []byte{prefixRules} }

// ChainIDKey holds the chain id that genesis named.
func ChainIDKey() []byte { return []byte{prefixChainID} }

// RegulatorKey is the key of the regulator of a division.
func RegulatorKey(division string) []byte { return key(prefixRegulator, []byte(division)) }

// EnterpriseKey is the key of an enterprise record.
func EnterpriseKey(uscc string) []byte { return key(prefixEnterprise, []byte(uscc)) }

// AccountKey is the key of the account of an ed25519 public key.
func AccountKey(pub []byte) []byte { return key(prefixAccount, pub) }

// EnterpriseByDivisionKey indexes an enterprise under its division.
func EnterpriseByDivisionKey(division, uscc string) []byte {
	return key(prefixEnterpriseByDiv, []byte(division), []byte(uscc))
}

// EnterpriseByDivisionPrefix is the start of the index entries under a jurisdiction prefix.
func EnterpriseByDivisionPrefix(divPrefix string) []byte {
	return key(prefixEnterpriseByDiv, []byte(divPrefix))
}

// KeyByOwnerKey indexes a key under its owner.
func KeyByOwnerKey(kind types.OwnerKind, ownerID string, pub []byte) []byte {
	return key(prefixKeyByOwner, []byte{byte(kind)}, []byte(ownerID), pub)
}

// KeyByOwnerPrefix is the start of the index entries of one owner.
func KeyByOwnerPrefix(kind types.OwnerKind, ownerID string) []byte {
	return key(prefixKeyByOwner, []byte{byte(kind)}, []byte(ownerID))
}

// BatchKey is the key of a batch's facts.
func BatchKey(id string) []byte { return key(prefixBatch, []byte(id)) }

// CodeKey is the key of a code record.
func CodeKey(code string) []byte { return key(prefixCode, []byte(code)) }

// EventKey is the key of an event, by its hash.
func EventKey(hash []byte) []byte { return key(prefixEvent, hash) }

// HistoryKey is the key of the i-th event (from 0) of a code's history.
func HistoryKey(code string, i uint64) []byte {
	return binary.BigEndian.AppendUint64(HistoryPrefix(code), i)
}

// HistoryPrefix is the start of a code's history entries.
func HistoryPrefix(code string) []byte { return key(prefixHistory, []byte(code), []byte{0}) }

// ConsignmentKey is the key of a consignment.
func ConsignmentKey(id []byte) []byte { return key(prefixConsignment, id) }

// HoldingKey indexes a code under an enterprise that holds some of it.
func HoldingKey(holder, code string) []byte { return key(prefixHolding, []byte(holder), []byte(code)) }

// HoldingPrefix is the start of an enterprise's holdings index.
func HoldingPrefix(holder string) []byte { return key(prefixHolding, []byte(holder)) }

// BatchCodeKey indexes a code under its batch.
func BatchCodeKey(batchID, code string) []byte {
	return key(prefixBatchCode, []byte(batchID), []byte{0}, []byte(code))
}

// BatchCodePrefix is the start of a batch's codes.
func BatchCodePrefix(batchID string) []byte { return key(prefixBatchCode, []byte(batchID), []byte{0}) }

// InboundKey indexes an open consignment under its buyer.
func InboundKey(buyer string, id []byte) []byte { return key(prefixInbound, []byte(buyer), id) }

// InboundPrefix is the start of a buyer's open consignments.
func InboundPrefix(buyer string) []byte { return key(prefixInbound, []byte(buyer)) }

// NativeCounterKey holds the last native code number issued to an enterprise.
func NativeCounterKey(issuer string) []byte { return key(prefixNativeCounter, []byte(issuer)) }

// CustomsKey holds the customs authority's record.
func CustomsKey() []byte { return []byte{prefixCustoms} }

// BlockDateKey holds the UTC date of the last block.
func BlockDateKey() []byte { return []byte{prefixBlockDate} }

// DeclarationKey is the key of a customs declaration.
func DeclarationKey(number string) []byte { return key(prefixDeclaration, []byte(number)) }

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// RecallKey is the key of a recall.
func RecallKey(id uint64) []byte { return key(prefixRecall, u64(id)) }

// RecallPrefix is the start of all recalls.
func RecallPrefix() []byte { return []byte{prefixRecall} }

// SequenceKey holds the last id issued of a kind ("alert", "recall").
func SequenceKey(name string) []byte { return key(prefixSequence, []byte(name)) }

// ReceiptWatchKey schedules the receipt check of a consignment at dueMs.
func ReceiptWatchKey(dueMs int64, id []byte) []byte {
	return key(prefixReceiptWatch, u64(uint64(dueMs)), id)
}

// ReceiptWatchPrefix is the start of the receipt watch.
func ReceiptWatchPrefix() []byte { return []byte{prefixReceiptWatch} }

// ExpiryWatchKey schedules the expiry check of a batch on a date (YYYY-MM-DD).
func ExpiryWatchKey(date, batchID string) []byte {
	return key(prefixExpiryWatch, []byte(date), []byte(batchID))
}

// ExpiryWatchPrefix is the start of the expiry watch.
func ExpiryWatchPrefix() []byte { return []byte{prefixExpiryWatch} }

// AlertKey is the key of an alert.
func AlertKey(id uint64) []byte { return key(prefixAlert, u64(id)) }

// OpenAlertKey indexes an open alert under its division.
func OpenAlertKey(division string, id uint64) []byte {
	return key(prefixOpenAlert, []byte(division), u64(id))
}

// OpenAlertPrefix is the start of the open alerts under a jurisdiction prefix.
func OpenAlertPrefix(divPrefix string) []byte { return key(prefixOpenAlert, []byte(divPrefix)) }

// DayStatsKey is the key of a division's counters for a day (YYYY-MM-DD).
func DayStatsKey(division, day string) []byte {
	return key(prefixDayStats, []byte(division), []byte(day))
}

// DayStatsPrefix is the start of the counters under a jurisdiction prefix.
func DayStatsPrefix(divPrefix string) []byte { return key(prefixDayStats, []byte(divPrefix)) }

// HoldKey indexes a held code under a division where it is held.
func HoldKey(division, code string) []byte { return key(prefixHold, []byte(division), []byte(code)) }

// HoldPrefix is the start of the held codes under a jurisdiction prefix.
func HoldPrefix(divPrefix string) []byte { return key(prefixHold, []byte(divPrefix)) }

// ValidatorKey is the key of a validator, by its ed25519 consensus public key.
func ValidatorKey(pub []byte) []byte { return key(prefixValidator, pub) }

// ValidatorPrefix is the start of the validator set, ordered by public key.
func ValidatorPrefix() []byte { return []byte{prefixValidator} }

// PrefixEnd returns the smallest key greater than every key with prefix p.
func PrefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
