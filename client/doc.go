// Package client is the Go client of a coldtrace node: a file keyring,
// building and signing txs, broadcasting them and waiting for their block,
// and ABCI queries. The coldtrace CLI is built on it.
//
// Usage: c, _ := client.Dial("tcp://127.0.0.1:26657"); res, _ := c.Send(ctx, key, msg).
package client
