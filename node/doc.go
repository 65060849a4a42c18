// Package node creates coldtrace homes and runs a CometBFT node with the
// coldtrace app in-process (local client): the embedded default that
// `coldtrace init` and `coldtrace start` use, and that the tests start.
//
// Usage: node.InitHome(dir, node.InitOptions{}); n, _ := node.Start(dir, logger); defer n.Stop().
package node
