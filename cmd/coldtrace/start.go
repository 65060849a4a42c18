package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/node"
)

func newStartCmd(g *globals) *cobra.Command {
	var gw gateway.Config
	var noGateway bool
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node with the coldtrace app in-process, and the gateway beside it, until interrupted",
		Long: `start runs CometBFT and the coldtrace app in one process, from --home, and the HTTP
gateway (consumer pages, QR labels, JSON API; the regulator console on its own loopback
listener) beside it, reading the node through verified queries. --no-gateway runs the
node alone; 'coldtrace gateway' runs a gateway on its own against any node.
Logs go to stdout, as config.toml's log_format says: "plain" or "json" (one object a
line; a refused tx is logged with its hash and code).
It stops cleanly on Ctrl-C or SIGTERM. After a crash (even SIGKILL) run it again:
CometBFT replays any block the app had not saved, to the same app hash.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := node.LoggerFor(g.home, os.Stdout)
			if err != nil {
				return err
			}
			n, err := node.Start(g.home, logger)
			if err != nil {
				return err
			}
			conf := n.Config()
			fmt.Fprintf(cmd.ErrOrStderr(), "coldtrace node running: chain %s, RPC %s, home %s (Ctrl-C to stop)\n",
				n.GenesisDoc().ChainID, conf.RPC.ListenAddress, g.home)
			var srv *gateway.Server
			if !noGateway {
				// The node is the main job: a gateway that cannot start (its
				// port taken by another node of a local testnet) is reported,
				// and the node runs on.
				if srv, err = startGateway(cmd, gw, conf.RPC.ListenAddress, g.home); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "gateway not started: %v\n", err)
				}
			}
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			fmt.Fprintln(cmd.ErrOrStderr(), "stopping...")
			if srv != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
			}
			return n.Stop()
		},
	}
	cmd.Flags().BoolVar(&noGateway, "no-gateway", false, "run the node without the HTTP gateway")
	cmd.Flags().StringVar(&gw.Listen, "gateway-listen", gateway.DefaultListen, "address of the gateway's public pages")
	cmd.Flags().StringVar(&gw.ConsoleListen, "console-listen", "", `address of the regulator console (default 127.0.0.1:8081; "off" for none)`)
	cmd.Flags().StringVar(&gw.PublicBase, "public-base", "", "scheme and host printed in QR codes (default: the gateway's address)")
	cmd.Flags().StringSliceVar(&gw.LegacyLabelHosts, "legacy-label-host", nil, "host of the province's earlier labels; scans of them resolve through origin codes (see coldtrace gateway --help)")
	cmd.Flags().StringVar(&gw.TLSCert, "tls-cert", "", "serve the gateway over HTTPS with this PEM certificate (chain) file; with --tls-key")
	cmd.Flags().StringVar(&gw.TLSKey, "tls-key", "", "the PEM private key of --tls-cert")
	return cmd
}

// startGateway runs the gateway beside the node, trusting the home's genesis.
func startGateway(cmd *cobra.Command, gw gateway.Config, rpc, home string) (*gateway.Server, error) {
	trust, err := client.LoadGenesisTrust(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		return nil, err
	}
	gw.NodeRPC, gw.Trust, gw.DataDir = rpc, trust, gateway.DefaultDataDir(home)
	srv, err := gateway.New(gw)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("%w (use --gateway-listen and --console-listen for other ports, or --no-gateway)", err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "gateway: %s (consumer pages)  console: %s (token in %s)\n",
		srv.URL(), srv.ConsoleURL(), filepath.Join(gateway.DefaultDataDir(home), "console.token"))
	return srv, nil
}
