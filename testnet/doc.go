// Package testnet holds coldtrace's end-to-end tests: real CometBFT nodes
// with the app in-process, and the real binary started, killed and restarted.
// Networks of four validators, made with `coldtrace testnet`, are killed,
// halted, joined by state sync and re-weighted (network_test.go); README.md
// is the guide to running one, network.sh runs it in the background.
package testnet
