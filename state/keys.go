package state

import "github.com/coldtrace/coldtrace/types"

// Key layout. Every key starts with one prefix byte registered below; the
// rest of the key is fixed-width or ends the key, so no two prefixes or
// records can collide. Values are protobuf (types package) unless noted.
//
//	0x01                                  params            → types.Params
//	0x02 | division(6)                    regulator         → types.Regulator
//	0x03 | uscc(18)                       enterprise        → types.Enterprise
//	0x04 | ed25519 key(32)                account           → types.Account
//	0x05 | division(6) | uscc(18)         enterprise index  → empty (enterprises by division)
//	0x07                                  chain id          → raw UTF-8 bytes
//	0x06 | owner kind(1) | owner id | key(32)  key index   → empty (keys by owner; ids are fixed-width per kind)
const (
	prefixParams          byte = 0x01
	prefixRegulator       byte = 0x02
	prefixEnterprise      byte = 0x03
	prefixAccount         byte = 0x04
	prefixEnterpriseByDiv byte = 0x05
	prefixKeyByOwner      byte = 0x06
	prefixChainID         byte = 0x07
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
