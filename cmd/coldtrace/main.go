// Command coldtrace is the one binary of a coldtrace chain: it creates a
// home, runs a node with the app in-process, keeps keys, sends txs and
// queries. Run `coldtrace --help` for the commands.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		code := 1
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			code = ec.ExitCode()
		}
		os.Exit(code)
	}
}
