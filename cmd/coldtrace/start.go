package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cometbft/cometbft/libs/log"
	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/node"
)

func newStartCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "start",
		Short: "Run the node with the coldtrace app in-process until interrupted",
		Long: `start runs CometBFT and the coldtrace app in one process, from --home.
It stops cleanly on Ctrl-C or SIGTERM. After a crash (even SIGKILL) run it again:
CometBFT replays any block the app had not saved, to the same app hash.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger := log.NewTMLogger(log.NewSyncWriter(os.Stdout))
			n, err := node.Start(g.home, logger)
			if err != nil {
				return err
			}
			conf := n.Config()
			fmt.Fprintf(cmd.ErrOrStderr(), "coldtrace node running: chain %s, RPC %s, home %s (Ctrl-C to stop)\n",
				n.GenesisDoc().ChainID, conf.RPC.ListenAddress, g.home)
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			fmt.Fprintln(cmd.ErrOrStderr(), "stopping...")
			return n.Stop()
		},
	}
}
