// Package app is the coldtrace ABCI application: the entry points CometBFT
// calls, the one executeTx every tx goes through, and one handler per
// message family (registry.go, ...) where each rule of the chain lives, under
// the rules version of each height (rules.go). Queries are answered by the
// query package.
//
// Usage: a, _ := app.New(tree, logger); node runs it with
// proxy.NewConnSyncLocalClientCreator(a): each ABCI connection serialized on
// its own (app.go says what guards what).
package app
