//go:build !rulesnext

package types

// LatestRules is the newest rules version this binary executes.
const LatestRules = RulesV4

// shortMemo is a rule of the next version only (see rules_next.go).
func (r RuleSet) shortMemo() bool { return false }
