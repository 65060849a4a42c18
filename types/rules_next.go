//go:build rulesnext

package types

// A build with -tags rulesnext knows a rules version after the newest one,
// which differs by one rule: the memo is at most 128 bytes. The upgrade
// tests run a network on the released binary, schedule this version on
// chain, and switch binaries at its height (testnet/upgrade_switch_test.go).
const (
	RulesNext   uint32 = RulesV4 + 1
	LatestRules        = RulesNext
)

// shortMemo: the memo is at most 128 bytes from the next version on.
func (r RuleSet) shortMemo() bool { return r >= RuleSet(RulesNext) }
