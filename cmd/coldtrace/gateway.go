package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/node"
)

func newGatewayCmd(g *globals) *cobra.Command {
	var cfg gateway.Config
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Run the HTTP gateway alone: consumer pages, QR codes, JSON API and the regulator console",
		Long: `gateway serves the pages a consumer opens by scanning a product's QR code (GS1 Digital
Link paths /01/{GTIN}/10/{batch}/21/{serial}, /00/{SSCC}, /c/CT-...), QR images, proof
files, a JSON API (/api/v1/, described at /api/v1/openapi.yaml) and, on a listener of
its own (default 127.0.0.1:8081, loopback clients only), the regulator console:
regulators sign in with their own keys ("coldtrace console login") and see their own
jurisdiction; the operator's token signs in with --division's. It reads --node and verifies every answer from the trust root (the home's
genesis.json, --genesis, or --trust-height and --trust-hash) before showing it; an
answer that does not verify is shown as an error, never as fact.

Consumer reports and a generated console token are kept in --data-dir (default
<home>/data/gateway when the home exists, else in memory only).`,
		Example: `  coldtrace gateway
  coldtrace gateway --node tcp://10.0.0.5:26657 --genesis genesis.json --listen 0.0.0.0:8080 \
      --public-base https://trace.example.gov.cn --console-token "$TOKEN" --division 3301`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr := g.node
			if addr == "" {
				addr = "tcp://127.0.0.1:26657"
				if conf, err := node.LoadCometConfig(g.home); err == nil {
					addr = conf.RPC.ListenAddress
				}
			}
			cfg.NodeRPC = addr
			trust, err := g.trustRoot()
			if err != nil {
				return err
			}
			cfg.Trust = trust
			if !cmd.Flags().Changed("data-dir") {
				if _, err := os.Stat(filepath.Join(g.home, "config")); err == nil {
					cfg.DataDir = gateway.DefaultDataDir(g.home)
				}
			}
			cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			s, err := gateway.New(cfg)
			if err != nil {
				return err
			}
			if err := s.Start(); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "gateway: %s (node %s)\n", s.URL(), addr)
			if u := s.ConsoleURL(); u != "" {
				switch {
				case cfg.ConsoleToken != "":
					fmt.Fprintf(out, "console: %s (jurisdiction %s; sign in with --console-token)\n", u, s.Division())
				case cfg.DataDir != "":
					fmt.Fprintf(out, "console: %s (jurisdiction %s; token in %s)\n", u, s.Division(), filepath.Join(cfg.DataDir, "console.token"))
				default:
					fmt.Fprintf(out, "console: %s (jurisdiction %s; token %s)\n", u, s.Division(), s.ConsoleToken())
				}
			}
			fmt.Fprintln(out, "Ctrl-C to stop")
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			<-sig
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return s.Shutdown(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", gateway.DefaultListen, "address of the public listener")
	f.StringVar(&cfg.PublicBase, "public-base", "", `scheme and host printed in QR codes and links (default "http://" + --listen)`)
	f.StringSliceVar(&cfg.LegacyLabelHosts, "legacy-label-host", nil, "host of the province's earlier labels (http://HOST/...); scans of them resolve through the origin codes goods were commissioned with; repeat for several")
	f.StringVar(&cfg.ConsoleListen, "console-listen", gateway.DefaultConsoleListen, `address of the console's own listener; "off" for none; the --listen address serves it there to loopback clients only`)
	f.StringVar(&cfg.ConsoleToken, "console-token", "", "the operator's console token (default: generated, kept in --data-dir)")
	f.StringVar(&cfg.ConsoleDivision, "division", "", "the operator token's jurisdiction in the console, a division prefix such as 3301 (default: the genesis root regulator's); a regulator's own key signs in to its own")
	f.StringVar(&cfg.DataDir, "data-dir", "", "folder for consumer reports and the generated console token")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain) file; with --tls-key (phones' cameras and the scan station need HTTPS off loopback)")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "the PEM private key of --tls-cert")
	f.BoolVar(&cfg.TrustForwardedFor, "trust-forwarded-for", false, "take client IPs from X-Forwarded-For (only behind a reverse proxy)")
	f.BoolVar(&cfg.NoProofDownload, "no-proof-download", false, "do not offer /proof/ files (they hold the raw signed events of a code's history)")
	f.Float64Var(&cfg.RateLimit, "rate", 10, "public requests per second per client IP")
	f.IntVar(&cfg.RateBurst, "burst", 30, "burst of public requests per client IP")
	addNodeFlag(cmd, g)
	addTrustFlags(cmd, g)
	return cmd
}
