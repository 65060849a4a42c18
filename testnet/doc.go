// Package testnet holds coldtrace's end-to-end tests: real CometBFT nodes
// with the app in-process, and the real binary started, killed and restarted.
// (Generating N-validator networks on one machine will live here too.)
package testnet
