package state

import (
	"encoding/binary"

	"github.com/coldtrace/coldtrace/types"
)

// Key layout. Every key starts with one prefix byte registered below; the
// rest of the key is fixed-width or ends the key, so no two prefixes or
// records can collide. Values are protobuf (types package) unless noted.
//
//	0x01                                  params            → types.Params
//	0x02 | division(6)                    regulator         → types.Regulator
//	0x03 | uscc(18)                       enterprise        → types.Enterprise
//	0x04 | ed25519 key(32)                account           → types.Account
//	0x05 | division(6) | uscc(18)         enterprise index  → 0x01 (enterprises by division)
//	0x06 | owner kind(1) | owner id | key(32)  key index → 0x01 (keys by owner; ids are fixed-width per kind)
//	0x07                                  chain id          → raw UTF-8 bytes
//	0x08                                  customs           → types.Customs
//	0x09                                  block date        → YYYY-MM-DD (UTC date of the last block, written when it changes)
//	0x10 | batch id                       batch             → types.Batch (id = commissioner USCC "/" batch)
//	0x11 | code                           code              → types.CodeRecord (code in canonical form)
//	0x12 | event hash(32)                 event             → types.Event
//	0x13 | code | 0x00 | index(8, BE)     history           → event hash(32)
//	0x14 | consignment id(32)             consignment       → types.Consignment
//	0x15 | holder uscc(18) | code         holdings index    → 0x01 (codes an enterprise holds)
//	0x16 | batch id | 0x00 | code         batch index       → 0x01 (codes of a batch)
//	0x17 | buyer uscc(18) | id(32)        inbound index     → 0x01 (open consignments to a buyer)
//	0x18 | issuer uscc(18)                native counter    → uint64 BE (last native code number issued)
//	0x19 | declaration number             declaration       → types.Declaration
//	0x1A | recall id(8, BE)               recall            → types.Recall
//	0x1B | name                           sequence          → uint64 BE (last id issued: "alert", "recall")
//	0x1C | due ms(8, BE) | id(32)         receipt watch     → 0x01 (consignments to check for receipt)
//	0x1D | expiry date(10) | batch id     expiry watch      → 0x01 (batches to check at expiry)
//	0x1E | alert id(8, BE)                alert             → types.Alert
//	0x1F | division(6) | alert id(8, BE)  open alerts       → 0x01 (open alerts by division)
//	0x20 | division(6) | day(10)          day stats         → types.DayStats
//	0x21 | division(6) | code             holds index       → 0x01 (held codes by holder division)
//	0x22 | ed25519 consensus key(32)      validator         → types.Validator (the validator set; a removed validator is deleted)
//	0x23                                  rules             → types.Rules (absent: rules v1 since the initial height)
//
// Canonical codes and batch ids never contain 0x00 (codes are percent-encoded,
// batch names refuse control characters), so 0x00 ends them unambiguously.
const (
	prefixParams          byte = 0x01
	prefixRegulator       byte = 0x02
	prefixEnterprise      byte = 0x03
	prefixAccount         byte = 0x04
	prefixEnterpriseByDiv byte = 0x05
	prefixKeyByOwner      byte = 0x06
	prefixChainID         byte = 0x07
	prefixBatch           byte = 0x10
	prefixCode            byte = 0x11
	prefixEvent           byte = 0x12
	prefixHistory         byte = 0x13
	prefixConsignment     byte = 0x14
	prefixHolding         byte = 0x15
	prefixBatchCode       byte = 0x16
	prefixInbound         byte = 0x17
	prefixNativeCounter   byte = 0x18
	prefixCustoms         byte = 0x08
	prefixBlockDate       byte = 0x09
	prefixDeclaration     byte = 0x19
	prefixRecall          byte = 0x1A
	prefixSequence        byte = 0x1B
	prefixReceiptWatch    byte = 0x1C
	prefixExpiryWatch     byte = 0x1D
	prefixAlert           byte = 0x1E
	prefixOpenAlert       byte = 0x1F
	prefixDayStats        byte = 0x20
	prefixHold            byte = 0x21
	prefixValidator       byte = 0x22
	prefixRules           byte = 0x23
)

// Prefixes lists every registered prefix with its name; a test checks that
// none repeats.
var Prefixes = []struct {
	Byte byte
	Name string
}{
	{prefixParams, "params"},
	{prefixRegulator, "regulator"},
	{prefixEnterprise, "enterprise"},
	{prefixAccount, "account"},
	{prefixEnterpriseByDiv, "enterprise by division"},
	{prefixKeyByOwner, "key by owner"},
	{prefixChainID, "chain id"},
	{prefixBatch, "batch"},
	{prefixCode, "code"},
	{prefixEvent, "event"},
	{prefixHistory, "history"},
	{prefixConsignment, "consignment"},
	{prefixHolding, "holdings index"},
	{prefixBatchCode, "batch index"},
	{prefixInbound, "inbound index"},
	{prefixNativeCounter, "native counter"},
	{prefixCustoms, "customs"},
	{prefixBlockDate, "block date"},
	{prefixDeclaration, "declaration"},
	{prefixRecall, "recall"},
	{prefixSequence, "sequence"},
	{prefixReceiptWatch, "receipt watch"},
	{prefixExpiryWatch, "expiry watch"},
	{prefixAlert, "alert"},
	{prefixOpenAlert, "open alerts"},
	{prefixDayStats, "day stats"},
	{prefixHold, "holds index"},
	{prefixValidator, "validator"},
	{prefixRules, "rules"},
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

// ParamsKey is where the chain parameters live.
func ParamsKey() []byte { return []byte{prefixParams} }

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
