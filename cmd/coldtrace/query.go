package main

import (
	"encoding/hex"
	"path/filepath"

	"fmt"
	"github.com/coldtrace/coldtrace/client"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

func newQueryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Read chain state from a node; --verify checks the answer against the validators' signatures",
		Long: `Every query reads the latest committed state. With --verify the node proves every
record the answer is computed from (ics23 proofs against the app hash), the header
that carries that app hash is verified from a trust root with the light-client rules,
and the answer is recomputed from the proven records; the command prints
"verified at height H (app hash ..., validators ...)" or exits non-zero.
The trust root is the home's genesis.json, another --genesis file, or a
--trust-height and --trust-hash obtained from a source you trust.

Verifying from the genesis needs the headers from height 1. A node that joined by
state sync (or prunes old blocks) lacks them: the headers it lacks are fetched from
each --archive (the RPC address of a node that keeps every block), then from the
RPC addresses its peers announce. Every header is checked by the validators'
signatures, so these sources need not be trusted. If none has them, the command
says which heights are missing and exits non-zero: pass --archive, or a
--trust-height/--trust-hash of a header the node holds.`,
	}
	cmd.PersistentFlags().BoolVar(&g.verify, "verify", false, "verify the answer end to end (proofs, header, validators)")
	cmd.PersistentFlags().StringVar(&g.genesis, "genesis", "", "genesis.json whose validators are the trust root (default: the home's)")
	cmd.PersistentFlags().Int64Var(&g.trustHeight, "trust-height", 0, "a trusted height, instead of the genesis")
	cmd.PersistentFlags().StringVar(&g.trustHash, "trust-hash", "", "the hash of the header at --trust-height (hex)")
	cmd.PersistentFlags().StringSliceVar(&queryArchives, "archive", nil, "with --verify: RPC address of a node keeping every block, asked for headers the queried node lacks (repeatable)")
	reg := &cobra.Command{Use: "registry", Short: "Regulators, enterprises and accounts"}
	one := func(use, short string, path func(arg string) (string, error), m func() proto.Message) *cobra.Command {
		c := &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				p, err := path(args[0])
				if err != nil {
					return err
				}
				return g.queryRecord(cmd, p, m())
			},
		}
		addNodeFlag(c, g)
		return c
	}
	var after string
	var limit int
	list := one("enterprises DIVISION-PREFIX", "List enterprises under a jurisdiction prefix (33, 3301, 330106), a page at a time",
		func(p string) (string, error) {
			v := url.Values{}
			if after != "" {
				v.Set("after", after)
			}
			v.Set("limit", fmt.Sprint(limit))
			return "/registry/enterprises/" + p + "?" + v.Encode(), nil
		}, func() proto.Message { return &types.EnterprisesPage{} })
	list.Flags().StringVar(&after, "after", "", "page position: the 'next' value of the previous page")
	list.Flags().IntVar(&limit, "limit", 50, "enterprises per page (1-100)")
	reg.AddCommand(
		one("regulator DIVISION", "Show the regulator of a division",
			func(a string) (string, error) { return "/registry/regulator/" + a, nil },
			func() proto.Message { return &types.Regulator{} }),
		one("enterprise USCC", "Show an enterprise",
			func(a string) (string, error) { return "/registry/enterprise/" + strings.ToUpper(a), nil },
			func() proto.Message { return &types.Enterprise{} }),
		one("account KEY", "Show the account of a key (keyring name or hex): owner, next sequence, revoked",
			func(a string) (string, error) {
				p, err := g.resolvePublicKey(a)
				return fmt.Sprintf("/registry/account/%x", []byte(p)), err
			},
			func() proto.Message { return &types.Account{} }),
		one("keys OWNER", "List the keys of a regulator (division) or an enterprise (USCC)",
			func(a string) (string, error) {
				kind := "enterprise"
				if ownerKind(a) == types.OwnerKind_OWNER_KIND_REGULATOR {
					kind = "regulator"
				}
				return "/registry/keys/" + kind + "/" + strings.ToUpper(a), nil
			},
			func() proto.Message { return &types.KeysPage{} }),
		list,
	)
	validators := &cobra.Command{
		Use:   "validators",
		Short: "The validator set recorded on chain: keys, power, operating regulator",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.queryRecord(cmd, "/validators", &types.ValidatorList{})
		},
	}
	addNodeFlag(validators, g)
	cmd.AddCommand(reg, newQueryTraceCmd(g), newQuerySupervisionCmd(g), validators, newQueryTxCmd(g), newQueryRulesCmd(g), newQueryParamsCmd(g))
	return cmd
}

func newQueryTxCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "tx HASH",
		Short: "Show a tx's fate by its hash: the height of its block and its result code",
		Long: `tx looks a tx up in the node's tx index (CometBFT's /tx) and prints the height of
its block, its result code (0 = OK, else the refusal: docs/ERRORS.md) and its events.
Use it for a tx whose fate a tx command reported as unknown.

Exit status: 0 when the tx is in a block (whatever its code), 3 when the node does
not know it: not committed yet (the chain may be halted), dropped from the mempool,
or not in this node's index (ask another node, or run 'coldtrace reindex' there).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			hash, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(args[0], "0x"), "0X"))
			if err != nil || len(hash) != 32 {
				return fmt.Errorf("give the tx hash as 64 hex characters")
			}
			c, err := g.dial()
			if err != nil {
				return err
			}
			tx, err := c.RPC().Tx(cmd.Context(), hash, false)
			if err != nil || tx == nil {
				if err != nil && !strings.Contains(err.Error(), "not found") {
					return fmt.Errorf("tx %X: %w (is the node running?)", hash, err)
				}
				return &exitError{code: exitFateUnknown, err: fmt.Errorf("tx %X is not in the node's tx index: "+
					"not committed (yet: the chain may be halted), dropped from the mempool, or missing from this node's index", hash)}
			}
			res := &client.TxResult{Hash: hash, Height: tx.Height, Code: tx.TxResult.Code, Log: tx.TxResult.Log, Events: tx.TxResult.Events}
			name := ""
			if e := types.ErrorByCode(res.Code); e != nil {
				name = e.Name
			}
			if g.output == "json" {
				return printJSON(cmd, map[string]any{
					"hash": strings.ToUpper(hex.EncodeToString(hash)), "height": res.Height, "fate": fate(res),
					"code": res.Code, "error": name, "log": res.Log, "events": eventMap(res),
				})
			}
			out := cmd.OutOrStdout()
			if res.Code == 0 {
				fmt.Fprintf(out, "tx %X committed at height %d: OK\n", hash, res.Height)
			} else {
				fmt.Fprintf(out, "tx %X in block %d, refused with code %d (%s): %s\n", hash, res.Height, res.Code, name, res.Log)
			}
			for _, e := range res.Events {
				for _, a := range e.Attributes {
					fmt.Fprintf(out, "  %s %s: %s\n", e.Type, a.Key, a.Value)
				}
			}
			return nil
		},
	}
	addNodeFlag(c, g)
	return c
}

// queryArchives is --archive of query commands.
var queryArchives []string

// queryRecord runs a query and prints the decoded answer.
func (g *globals) queryRecord(cmd *cobra.Command, path string, m proto.Message) error {
	if err := g.checkOutput(); err != nil {
		return err
	}
	c, err := g.dial()
	if err != nil {
		return err
	}
	v, err := g.fetch(cmd, c, path, m)
	if err != nil {
		if v != nil { // a proven absence: the refusal itself is verified
			fmt.Fprintln(cmd.ErrOrStderr(), "absence "+v.Summary())
		}
		return err
	}
	if err := g.printRecord(cmd, m); err != nil {
		return err
	}
	g.printVerified(cmd, v)
	return nil
}

// fetch runs a query and decodes its answer into m; with --verify the
// answer is proven and its header verified from the trust root first.
func (g *globals) fetch(cmd *cobra.Command, c *client.Client, path string, m proto.Message) (*client.Verified, error) {
	if !g.verify {
		_, err := c.QueryInto(cmd.Context(), path, m)
		return nil, err
	}
	if g.headers == nil {
		trust, err := g.trustRoot()
		if err != nil {
			return nil, err
		}
		if g.headers, err = c.NewHeaders(cmd.Context(), trust, queryArchives...); err != nil {
			return nil, err
		}
	}
	v, err := c.VerifiedQuery(cmd.Context(), path, g.headers)
	if err != nil {
		return v, err
	}
	return v, proto.Unmarshal(v.Response.Value, m)
}

// printVerified prints the verification line after a verified answer.
func (g *globals) printVerified(cmd *cobra.Command, v *client.Verified) {
	if v == nil {
		return
	}
	if g.output == "json" {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s\n", v.Summary())
		return
	}
	fmt.Fprintln(cmd.OutOrStdout(), v.Summary())
}

// trustRoot is --trust-height/--trust-hash, else the genesis file.
func (g *globals) trustRoot() (client.Trust, error) {
	if g.trustHeight > 0 || g.trustHash != "" {
		h, err := hex.DecodeString(g.trustHash)
		if err != nil || len(h) != 32 || g.trustHeight <= 0 {
			return client.Trust{}, fmt.Errorf("give both --trust-height and --trust-hash (64 hex characters of that header's hash)")
		}
		return client.Trust{Height: g.trustHeight, Hash: h}, nil
	}
	path := g.genesis
	if path == "" {
		path = filepath.Join(g.home, "config", "genesis.json")
	}
	return client.LoadGenesisTrust(path)
}
