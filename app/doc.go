// Package app is the coldtrace ABCI application: the entry points CometBFT
// calls, the one executeTx every tx goes through, and one handler per
// message family (registry.go, ...) where each rule of the chain lives.
//
// Usage: a, _ := app.New(tree, logger); node runs it with proxy.NewLocalClientCreator(a).
package app
