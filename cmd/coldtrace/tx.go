package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

func newTxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Sign a transaction with a keyring key, broadcast it and wait for its block",
		Long: `Every tx command signs with --from (a key in the home's keyring, ed25519 or, on
chains of rules v3, SM2: the tx is signed with the key's own algorithm), broadcasts to
--node and waits until the tx is in a block. It prints the tx hash, the height and
the result, and exits non-zero with the error code and message if the chain refuses it
(codes: docs/ERRORS.md).

A key encrypted at rest (keyring backend "file") is opened with the passphrase from
--passphrase-file, else $COLDTRACE_PASSPHRASE, else a terminal prompt; without a
terminal and without either, the command fails at once instead of waiting.`,
	}
	cmd.PersistentFlags().DurationVar(&txWait, "wait", 30*time.Second, "how long to follow the tx by its hash before reporting its fate as unknown (exit 3)")
	cmd.PersistentFlags().StringVar(&txEventTime, "event-time", "", "when the scan happened (RFC 3339), for a scan recorded offline and sent later; rules v3 accept it up to params.max_event_age_seconds (7 days) before the block, never after it (code 42)")
	cmd.AddCommand(newTxRegistryCmd(g), newTxTraceCmd(g), newTxSupervisionCmd(g), newTxValidatorCmd(g), newTxRulesCmd(g))
	return cmd
}

func newTxRegistryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "Register regulators, enterprises and keys; suspend and reinstate enterprises"}
	var from string
	var keys []string
	var kind, division, label, reason string

	sub := func(c *cobra.Command, build func(args []string) (proto.Message, error)) *cobra.Command {
		c.Flags().StringVar(&from, "from", "", "keyring name of the signing key (required)")
		_ = c.MarkFlagRequired("from")
		addNodeFlag(c, g)
		c.RunE = func(cmd *cobra.Command, args []string) error {
			msg, err := build(args)
			if err != nil {
				return err
			}
			return g.send(cmd, from, msg)
		}
		return c
	}
	pubKeys := func() ([][]byte, error) {
		if len(keys) == 0 {
			return nil, errors.New("give at least one --key (a keyring name or a hex public key)")
		}
		var out [][]byte
		for _, k := range keys {
			p, err := g.resolvePublicKey(k)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}

	regReg := sub(&cobra.Command{
		Use:     "register-regulator DIVISION NAME --key KEY --from NAME",
		Short:   "Register a regulator strictly inside the signing regulator's jurisdiction",
		Example: `  coldtrace tx registry register-regulator 330100 "Hangzhou Market Supervision" --key hangzhou --from regulator`,
		Args:    cobra.ExactArgs(2),
	}, func(args []string) (proto.Message, error) {
		k, err := pubKeys()
		return &types.MsgRegisterRegulator{Division: args[0], Name: args[1], Keys: k}, err
	})
	regReg.Flags().StringSliceVar(&keys, "key", nil, "signing key of the new regulator (keyring name, or hex: 64 characters for ed25519, 130 for SM2); repeat for several")

	regEnt := sub(&cobra.Command{
		Use:     "register-enterprise USCC NAME --kind KIND --division DIV --key KEY --from NAME",
		Short:   "Register an enterprise in the signing regulator's jurisdiction",
		Example: `  coldtrace tx registry register-enterprise 91330100MA27XXXX0J "Hangzhou Seafood Import Co." --kind importer --division 330106 --key scanner1 --from hangzhou`,
		Args:    cobra.ExactArgs(2),
	}, func(args []string) (proto.Message, error) {
		k, err := types.ParseEnterpriseKind(kind)
		if err != nil {
			return nil, err
		}
		pk, err := pubKeys()
		return &types.MsgRegisterEnterprise{Uscc: strings.ToUpper(args[0]), Name: args[1], Kind: k, Division: division, Keys: pk}, err
	})
	regEnt.Flags().StringSliceVar(&keys, "key", nil, "signing key of the enterprise (keyring name, or hex: 64 characters for ed25519, 130 for SM2); repeat for several")
	regEnt.Flags().StringVar(&kind, "kind", "", "one of: "+strings.Join(types.KindNames(), ", "))
	regEnt.Flags().StringVar(&division, "division", "", "GB/T 2260 division where the enterprise operates")

	addKey := sub(&cobra.Command{
		Use:   "add-key OWNER KEY --from NAME",
		Short: "Add a signing key to a regulator (OWNER = division) or an enterprise (OWNER = USCC)",
		Args:  cobra.ExactArgs(2),
	}, func(args []string) (proto.Message, error) {
		p, err := g.resolvePublicKey(args[1])
		if err != nil {
			return nil, err
		}
		return &types.MsgAddKey{OwnerKind: ownerKind(args[0]), OwnerId: strings.ToUpper(args[0]), Key: p, Label: label}, nil
	})
	addKey.Flags().StringVar(&label, "label", "", `what the key is for, e.g. "scanner dock 3"`)

	revoke := sub(&cobra.Command{
		Use:   "revoke-key KEY --reason TEXT --from NAME",
		Short: "Revoke a key for good (by its owner or a regulator above it)",
		Args:  cobra.ExactArgs(1),
	}, func(args []string) (proto.Message, error) {
		p, err := g.resolvePublicKey(args[0])
		return &types.MsgRevokeKey{Key: p, Reason: reason}, err
	})
	suspend := sub(&cobra.Command{
		Use:   "suspend USCC --reason TEXT --from NAME",
		Short: "Suspend an enterprise of the signing regulator's jurisdiction: its keys can no longer sign",
		Args:  cobra.ExactArgs(1),
	}, func(args []string) (proto.Message, error) {
		return &types.MsgSuspendEnterprise{Uscc: strings.ToUpper(args[0]), Reason: reason}, nil
	})
	reinstate := sub(&cobra.Command{
		Use:   "reinstate USCC --reason TEXT --from NAME",
		Short: "Lift an enterprise's suspension",
		Args:  cobra.ExactArgs(1),
	}, func(args []string) (proto.Message, error) {
		return &types.MsgReinstateEnterprise{Uscc: strings.ToUpper(args[0]), Reason: reason}, nil
	})
	addDiv := sub(&cobra.Command{
		Use:   "add-division CODE NAME --reason TEXT --from NAME",
		Short: "Add a division code the GB/T 2260 list shipped with the binary lacks (the root regulator signs)",
		Args:  cobra.ExactArgs(2),
	}, func(args []string) (proto.Message, error) {
		return &types.MsgAddDivision{Division: args[0], Name: args[1], Reason: reason}, nil
	})
	for _, c := range []*cobra.Command{revoke, suspend, reinstate, addDiv} {
		c.Flags().StringVar(&reason, "reason", "", "why (recorded on chain; required)")
	}
	cmd.AddCommand(regReg, regEnt, addKey, revoke, suspend, reinstate, addDiv)
	cmd.AddCommand(newApplicationCmds(g)...)
	return cmd
}

// ownerKind infers the owner kind from the identifier's length.
func ownerKind(id string) types.OwnerKind {
	if len(id) == 6 {
		return types.OwnerKind_OWNER_KIND_REGULATOR
	}
	return types.OwnerKind_OWNER_KIND_ENTERPRISE
}

// send signs msg with the key named from, broadcasts it and reports the result.
func (g *globals) send(cmd *cobra.Command, from string, msg proto.Message) error {
	if err := g.checkOutput(); err != nil {
		return err
	}
	// Codes as typed or scanned go on chain in their canonical form.
	if err := types.CanonicalCodes(msg); err != nil {
		return err
	}
	key, err := g.accountKey(from)
	if err != nil {
		return err
	}
	c, err := g.dial()
	if err != nil {
		return err
	}
	if txWait > 0 {
		c.WaitTimeout = txWait
	}
	// The tx is signed with the key's own algorithm (ed25519, or SM2 on
	// chains of rules v3), which the signed body records.
	signer := c.SignerFor(key)
	if txEventTime != "" {
		t, err := time.Parse(time.RFC3339, txEventTime)
		if err != nil {
			return fmt.Errorf("--event-time %q: give a time like 2026-11-26T03:00:00+08:00", txEventTime)
		}
		signer.EventTime = t
	}
	res, err := signer.Send(cmd.Context(), msg)
	return g.report(cmd, res, err)
}

// txWait is the --wait of tx commands; txEventTime their --event-time.
var (
	txWait      time.Duration
	txEventTime string
)

// Exit codes of tx commands (and of `query tx`), documented in `tx --help`.
const (
	exitRefused     = 1 // a node refused the tx with a code, or another error
	exitFateUnknown = 3 // sent, but not known to be in a block: look it up by hash
)

// exitError gives an error its own process exit code (main reads ExitCode).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }

// report prints a tx's outcome. A tx is called refused only when a node
// refused it with a code; one that was sent but not seen in a block is
// reported as of unknown fate, with the command that looks it up.
func (g *globals) report(cmd *cobra.Command, res *client.TxResult, err error) error {
	var unknown *client.FateUnknownError
	if errors.As(err, &unknown) {
		lookup := g.lookupCommand(cmd, unknown.Hash)
		if g.output == "json" {
			if perr := printJSON(cmd, map[string]any{
				"hash": strings.ToUpper(hex.EncodeToString(unknown.Hash)), "fate": "unknown",
				"reason": unknown.Reason, "lookup": lookup,
			}); perr != nil {
				return perr
			}
		}
		return &exitError{code: exitFateUnknown, err: fmt.Errorf("%v\nLook it up with: %s", unknown, lookup)}
	}
	var refusal *client.Error
	if err != nil && !errors.As(err, &refusal) || res == nil {
		return err // not sent, or not taken by the node: nothing was refused
	}
	name := ""
	if e := types.ErrorByCode(res.Code); e != nil {
		name = e.Name
	}
	if g.output == "json" {
		if perr := printJSON(cmd, map[string]any{
			"hash": strings.ToUpper(hex.EncodeToString(res.Hash)), "height": res.Height, "fate": fate(res),
			"code": res.Code, "error": name, "log": res.Log, "events": eventMap(res),
		}); perr != nil {
			return perr
		}
	} else if res.Code == 0 && err == nil {
		fmt.Fprintf(cmd.OutOrStdout(), "tx %X committed at height %d: OK\n", res.Hash, res.Height)
		for _, e := range res.Events {
			for _, a := range e.Attributes {
				fmt.Fprintf(cmd.OutOrStdout(), "  %s %s: %s\n", e.Type, a.Key, a.Value)
			}
		}
	}
	if err != nil {
		where := "by the mempool (CheckTx)"
		if res.Height > 0 {
			where = fmt.Sprintf("at height %d", res.Height)
		}
		return &exitError{code: exitRefused, err: fmt.Errorf("tx %X refused %s with code %d: %s", res.Hash, where, res.Code, res.Log)}
	}
	return nil
}

// fate names a known outcome for JSON output.
func fate(res *client.TxResult) string {
	if res.Code == 0 && res.Height > 0 {
		return "committed"
	}
	return "refused"
}

// lookupCommand is the command that shows a tx's fate later, with the
// flags needed to reach the same node.
func (g *globals) lookupCommand(cmd *cobra.Command, hash []byte) string {
	out := fmt.Sprintf("coldtrace query tx %X", hash)
	if f := cmd.Flags().Lookup("home"); f != nil && f.Changed {
		out += " --home " + f.Value.String()
	}
	if g.node != "" {
		out += " --node " + g.node
	}
	return out
}

// eventMap lists the tx's events as {type: [{key: value}]} for JSON output.
func eventMap(res *client.TxResult) map[string][]map[string]string {
	out := map[string][]map[string]string{}
	for _, e := range res.Events {
		attrs := map[string]string{}
		for _, a := range e.Attributes {
			attrs[a.Key] = a.Value
		}
		out[e.Type] = append(out[e.Type], attrs)
	}
	return out
}
