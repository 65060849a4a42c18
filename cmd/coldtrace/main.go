// Command coldtrace is the one binary of a coldtrace chain: it creates a
// home, runs a node with the app in-process, keeps keys, sends txs and
// queries. Run `coldtrace --help` for the commands.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
