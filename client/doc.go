// Package client is the Go client of a coldtrace node for scanners, ERPs and
// auditors: a file keyring, signing every message, broadcasting with its own
// sequence count (Signer), waiting for blocks, and verified queries — ics23
// proofs of every record an answer reads and of every listed range's
// completeness (no entry left out), headers checked from a trust root
// with the CometBFT light-client rules, history hash chains, and offline
// proof bundles. The coldtrace CLI is built on it.
//
// A tx is refused (*Error) only when a node gave it a nonzero code; a tx
// that was sent but is not known to be in a block comes back as
// *FateUnknownError (errors.Is(err, ErrFateUnknown)) with its hash. Headers
// a node lacks (state sync, pruning) are fetched from archives and peers
// (NewHeaders), or the error says which heights are missing
// (ErrHeaderUnavailable). Nothing that reads a node's answers or a bundle
// panics on them: each reader has a fuzz target.
//
// Usage: c, _ := client.Dial("tcp://127.0.0.1:26657"); res, _ := c.Send(ctx, key, msg);
// v, _ := c.VerifiedQuery(ctx, path, headers) (see the examples).
package client
