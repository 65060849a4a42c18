//go:build !byzantine

package node

import (
	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/app"
)

// wrapApp hands the app to CometBFT as it is. The proposal-mangling hook of
// the end-to-end tests (byzantine_hook.go) exists only in binaries built with
// -tags byzantine, so no product binary can be made to misbehave.
func wrapApp(a *app.App, _ *cfg.Config, _ log.Logger) (abci.Application, error) { return a, nil }
