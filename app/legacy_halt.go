//go:build legacyhalt

package app

// Built only into test binaries (go build -tags legacyhalt): under rules v1
// the time-triggered checks fail the block on inconsistent records, as the
// binaries of the v1 era did, so end-to-end tests can halt a home the way
// those binaries halted it and resume it with this one.
func init() { legacyWatchHalts = true }
