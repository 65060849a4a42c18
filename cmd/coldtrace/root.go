package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/node"
	"github.com/coldtrace/coldtrace/types"
)

// globals are the flags every command shares.
type globals struct {
	home   string
	node   string
	output string

	verify      bool
	genesis     string
	trustHeight int64
	trustHash   string
	headers     *client.Headers // verified headers, reused within one command

	keys keyringFlags
}

func defaultHome() string {
	if h := os.Getenv("COLDTRACE_HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".coldtrace")
	}
	return ".coldtrace"
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "coldtrace",
		Short: "coldtrace: a permissioned chain for cold-chain food traceability",
		Long: `coldtrace runs a CometBFT node with the coldtrace app in-process, keeps keys,
signs and sends transactions, and queries state with Merkle proofs.

Quick start:  coldtrace init && coldtrace start
The home folder is --home, else $COLDTRACE_HOME, else ~/.coldtrace.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.home, "home", defaultHome(), "home folder of the node and its keyring")
	root.PersistentFlags().StringVarP(&g.output, "output", "o", "text", "output format: text or json")
	addKeyringFlags(root, g)
	root.AddCommand(
		newInitCmd(g), newStartCmd(g), newStatusCmd(g), newVersionCmd(g),
		newKeysCmd(g), newTxCmd(g), newQueryCmd(g), newVerifyCmd(g), newExportCmd(g), newBenchCmd(g), newTestnetCmd(g),
		newGatewayCmd(g), newConsoleCmd(g), newLabelCmd(g), newDemoCmd(g), newReindexCmd(g), newCaptureCmd(g),
		newServiceCmd(g), newDoctorCmd(g), newSnapshotCmd(g), newJoinCmd(g), newValidatorKeyCmd(g), newAnalyticsCmd(g),
	)
	return root
}

// addNodeFlag adds --node to a command that talks to a node.
func addNodeFlag(cmd *cobra.Command, g *globals) {
	cmd.Flags().StringVar(&g.node, "node", "", "RPC address of the node (default: the home's RPC address)")
}

// dial connects to --node, or to the RPC address in the home's config.
func (g *globals) dial() (*client.Client, error) {
	addr := g.node
	if addr == "" {
		addr = "tcp://127.0.0.1:26657"
		if conf, err := node.LoadCometConfig(g.home); err == nil {
			addr = conf.RPC.ListenAddress
		}
	}
	return client.Dial(addr)
}

func (g *globals) checkOutput() error {
	if g.output != "text" && g.output != "json" {
		return fmt.Errorf("--output must be text or json, not %q", g.output)
	}
	return nil
}

// printRecord prints a protobuf record as indented JSON (text) or one line
// (json), with field names as in the .proto files and keys in hex, as the
// CLI accepts them.
func (g *globals) printRecord(cmd *cobra.Command, m proto.Message) error {
	if t, ok := m.(*types.Trace); ok && g.output == "text" {
		printTrace(cmd, t)
		return nil
	}
	b, err := protojson.MarshalOptions{EmitUnpopulated: true, UseProtoNames: true}.Marshal(m)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	v = hexKeys(v, "")
	if g.output == "text" {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), string(b))
	return nil
}

// hexFields are the bytes fields shown in hex, as the CLI accepts them.
var hexFields = map[string]bool{
	"key": true, "keys": true, "signer": true, "tx_hash": true, "head": true, "event": true, "id": true,
	"consignment": true, "document_hash": true, "raw_data_hash": true, "corrective_events": true,
}

// hexKeys rewrites the base64 of hexFields as hex.
func hexKeys(v any, field string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = hexKeys(e, k)
		}
	case []any:
		for i, e := range x {
			x[i] = hexKeys(e, field)
		}
	case string:
		if hexFields[field] {
			if b, err := base64.StdEncoding.DecodeString(x); err == nil {
				return hex.EncodeToString(b)
			}
		}
	}
	return v
}

// printJSON prints any value as JSON.
func printJSON(cmd *cobra.Command, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), string(b))
	return nil
}

// printTrace prints a trace as a table, one movement a line.
func printTrace(cmd *cobra.Command, t *types.Trace) {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "HEIGHT\tTIME (UTC)\tSTEP\tCODE\tFROM\tTO\tQUANTITY")
	for _, s := range t.Steps {
		to := s.To
		if s.ToName != "" {
			to = fmt.Sprintf("%s (%s, %s)", s.To, s.ToName, s.ToDivision)
		}
		if to == "" {
			to = "-"
		}
		from := s.From
		if from == "" {
			from = "-"
		}
		unit := "g"
		if s.Unit == types.QuantityUnit_QUANTITY_UNIT_PIECES {
			unit = "pcs"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%d %s\n", s.Height, time.UnixMilli(s.TimeMs).UTC().Format("2006-01-02 15:04"),
			s.BizStep, s.Code, from, to, s.Quantity, unit)
	}
	w.Flush()
	fmt.Fprintf(cmd.OutOrStdout(), "%d movements, %d enterprises: %s\n", len(t.Steps), len(t.Enterprises), strings.Join(t.Enterprises, " "))
}
