package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/types"
)

func newTxValidatorCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "validator", Short: "Change the validator set (the root regulator signs)"}
	var from, operator, name string
	set := &cobra.Command{
		Use:   "set PUBKEY POWER --operator DIV --name NAME --from KEY",
		Short: "Add a validator, re-weight it, change its operator, or remove it (POWER 0)",
		Long: `set changes the validator set; only the root regulator (the one without a parent)
may sign it. PUBKEY is the node's ed25519 consensus key: 64 hex characters (as
'coldtrace status' prints it) or the base64 "value" of priv_validator_key.json.
POWER > 0 adds or re-weights the validator, operated by the regulator of
--operator; POWER 0 removes it (never the last one). The change takes effect two
blocks after the tx; a removed node keeps running as a full node.`,
		Example: `  coldtrace tx validator set 3f1c...9a 10 --operator 330100 --name "Hangzhou node" --from regulator
  coldtrace tx validator set 3f1c...9a 0 --operator 330100 --from regulator`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := parseConsensusKey(args[0])
			if err != nil {
				return err
			}
			power, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || power < 0 {
				return fmt.Errorf("POWER %q must be 0 (remove) or a positive integer", args[1])
			}
			return g.send(cmd, from, &types.MsgSetValidator{PubKey: pub, Power: power, Operator: operator, Name: name})
		},
	}
	set.Flags().StringVar(&from, "from", "", "keyring name of the root regulator's key (required)")
	set.Flags().StringVar(&operator, "operator", "", "division of the regulator that runs the node (required)")
	set.Flags().StringVar(&name, "name", "", "a name for the validator, e.g. its host")
	_ = set.MarkFlagRequired("from")
	_ = set.MarkFlagRequired("operator")
	addNodeFlag(set, g)
	cmd.AddCommand(set)
	return cmd
}

// parseConsensusKey reads an ed25519 consensus public key in hex or base64.
func parseConsensusKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == types.SM2PublicKeySize {
		return nil, fmt.Errorf("PUBKEY %q is an SM2 account key: a validator's consensus key is CometBFT's ed25519 key (64 hex characters, as 'coldtrace status' prints it)", s)
	}
	return nil, fmt.Errorf("PUBKEY %q is not a 32-byte ed25519 key in hex (64 characters) or base64 (44 characters)", s)
}
