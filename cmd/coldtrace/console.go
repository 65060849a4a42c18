package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/gateway/console/signin"
	"github.com/coldtrace/coldtrace/types"
)

func newConsoleCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Sign in to the regulator console with a regulator's key; delegate viewing to officers",
		Long: `A regulator signs in to the gateway's console with a key the chain registers for it:
"console login" asks the console for a challenge, signs it with the key and prints a
one-time link (good for two minutes) that opens a session bound to the regulator's
jurisdiction — its division and those below it.

A regulator may let an officer view its jurisdiction without putting anything on chain:
"console officer add" signs a delegation to the officer's key, valid until a date; the
officer signs in with its own key and the delegation file. An officer's session is
view-only. Revoking the regulator key that signed a delegation ends it.`,
	}
	cmd.AddCommand(newConsoleLoginCmd(g), newConsoleOfficerCmd(g))
	return cmd
}

const defaultConsoleURL = "http://" + gateway.DefaultConsoleListen

func newConsoleLoginCmd(g *globals) *cobra.Command {
	var from, gw, delegation, next string
	cmd := &cobra.Command{
		Use:   "login --from KEY [--gateway URL] [--delegation FILE]",
		Short: "Print a one-time sign-in link to the console, signed with a regulator's (or an officer's) key",
		Example: `  coldtrace console login --from hangzhou
  coldtrace console login --from officer1 --delegation officer1.delegation.json --gateway http://10.0.0.5:8081`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			var d *signin.Delegation
			if delegation != "" {
				b, err := os.ReadFile(delegation)
				if err != nil {
					return err
				}
				if d, err = signin.ParseDelegation(b); err != nil {
					return fmt.Errorf("%s: %w", delegation, err)
				}
			}
			key, err := g.signingKey(from)
			if err != nil {
				return err
			}
			if d != nil && d.OfficerKey != hex.EncodeToString(key.Public().(ed25519.PublicKey)) {
				return fmt.Errorf("the delegation is for key %s, not %s (--from %s)", d.OfficerKey, hex.EncodeToString(key.Public().(ed25519.PublicKey)), from)
			}
			ch, err := fetchChallenge(cmd.Context(), gw)
			if err != nil {
				return err
			}
			si := signin.Sign(ch, key, d)
			si.Next = next
			link := si.Link(gw)
			if g.output == "json" {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]any{"link": link, "expires": ch.Expires, "chain_id": ch.ChainID})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n", link)
			fmt.Fprintf(cmd.ErrOrStderr(), "Open this link in the browser within %s (until %s); it works once.\n",
				signin.ChallengeTTL, ch.Expires.In(types.China).Format("15:04:05 MST"))
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "keyring name of the regulator's (or officer's) key (required)")
	_ = cmd.MarkFlagRequired("from")
	cmd.Flags().StringVar(&gw, "gateway", defaultConsoleURL, "the console's address (the gateway's --console-listen)")
	cmd.Flags().StringVar(&delegation, "delegation", "", "an officer's delegation file (from `coldtrace console officer add`)")
	cmd.Flags().StringVar(&next, "next", "", "console page to open after sign-in, e.g. /console/flows")
	return cmd
}

// fetchChallenge asks a console for a sign-in challenge.
func fetchChallenge(ctx context.Context, base string) (signin.Challenge, error) {
	var ch signin.Challenge
	base = strings.TrimRight(base, "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return ch, fmt.Errorf("--gateway %q must start with http:// or https://", base)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/console/challenge", nil)
	if err != nil {
		return ch, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return ch, fmt.Errorf("the console at %s does not answer (is the gateway running, and is this its --console-listen?): %w", base, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return ch, err
	}
	if res.StatusCode != http.StatusOK {
		return ch, fmt.Errorf("the console at %s refused a challenge: %s %s", base, res.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, &ch); err != nil || ch.Challenge == "" || ch.ChainID == "" {
		return ch, fmt.Errorf("the console at %s sent no challenge: %s", base, strings.TrimSpace(string(body)))
	}
	return ch, nil
}

func newConsoleOfficerCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "officer", Short: "Delegate viewing the console to officers' keys (nothing goes on chain)"}
	var from, officer, expires, out string
	add := &cobra.Command{
		Use:   "add --from KEY --officer-pubkey HEX|NAME --expires YYYY-MM-DD [--out FILE]",
		Short: "Sign a delegation: the officer's key may view your jurisdiction, read-only, until the date",
		Long: `Signs, with the regulator's key --from, a statement that the officer's key may view the
console in the regulator's jurisdiction until --expires (China's date, the last day it
is good for). The key's regulator is read from the chain, verified from the trust root
(the home's genesis, or --trust-height/--trust-hash). The statement goes to --out (or
stdout); the officer signs in with "coldtrace console login --from OFFICER --delegation FILE".`,
		Example: `  coldtrace keys add officer1
  coldtrace console officer add --from hangzhou --officer-pubkey officer1 --expires 2026-12-31 --out officer1.delegation.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			off, err := g.resolvePublicKey(officer)
			if err != nil {
				return err
			}
			if len(off) != ed25519.PublicKeySize {
				return fmt.Errorf("--officer-pubkey %s is an SM2 key: console officers sign in with ed25519 keys (coldtrace keys add NAME)", officer)
			}
			t, err := time.Parse(time.DateOnly, expires)
			if err != nil {
				return errors.New("--expires is a date, YYYY-MM-DD")
			}
			if t.Before(types.RulesOf(0).Date(time.Now())) {
				return fmt.Errorf("--expires %s is in the past", expires)
			}
			key, err := g.signingKey(from)
			if err != nil {
				return err
			}
			c, err := g.dial()
			if err != nil {
				return err
			}
			chainID, err := c.ChainID(cmd.Context())
			if err != nil {
				return err
			}
			pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
			g.verify = true
			acct := &types.Account{}
			if _, err := g.fetch(cmd, c, "/registry/account/"+pub, acct); err != nil {
				return fmt.Errorf("reading the account of key %s: %w", pub, err)
			}
			if acct.OwnerKind != types.OwnerKind_OWNER_KIND_REGULATOR || acct.Revoked {
				return fmt.Errorf("key %s (--from %s) is not an active regulator's key on chain %s", pub, from, chainID)
			}
			d, err := signin.NewDelegation(chainID, acct.OwnerId, key, off, expires)
			if err != nil {
				return err
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(d.JSON())
				return err
			}
			if err := os.WriteFile(out, d.JSON(), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: officer %s may view %s until %s\n", out, d.OfficerKey, d.Regulator, d.Expires)
			return nil
		},
	}
	add.Flags().StringVar(&from, "from", "", "keyring name of the regulator's key (required)")
	_ = add.MarkFlagRequired("from")
	add.Flags().StringVar(&officer, "officer-pubkey", "", "the officer's public key: 64 hex characters, or a keyring name (required)")
	_ = add.MarkFlagRequired("officer-pubkey")
	add.Flags().StringVar(&expires, "expires", "", "the last day the delegation is good for, YYYY-MM-DD (required)")
	_ = add.MarkFlagRequired("expires")
	add.Flags().StringVar(&out, "out", "", "file to write the delegation to (default: stdout)")
	addNodeFlag(add, g)
	add.Flags().StringVar(&g.genesis, "genesis", "", "genesis file to verify from (default: the home's)")
	add.Flags().Int64Var(&g.trustHeight, "trust-height", 0, "a trusted height, instead of the genesis")
	add.Flags().StringVar(&g.trustHash, "trust-hash", "", "the hash of the header at --trust-height (hex)")
	cmd.AddCommand(add)
	return cmd
}
