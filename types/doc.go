// Package types holds coldtrace's domain types and their stateless checks:
// the generated protobuf messages, division codes, unified social credit
// codes, sign bytes and the numbered errors every refusal carries.
//
// Usage: DecodeTx(raw, limits, true) returns a tx that passed every check
// that needs no state; CodeOf(err) gives the stable code to return.
package types
