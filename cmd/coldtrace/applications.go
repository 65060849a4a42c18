package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// newApplicationCmds are the registration (备案) commands of rules v3: an
// operator applies with its own new key, its regulator decides, licences
// are renewed.
func newApplicationCmds(g *globals) []*cobra.Command {
	var from, file, reason string
	var approve, refuse bool
	apply := &cobra.Command{
		Use:   "apply --file APPLICATION.json --from NEWKEY",
		Short: "Apply to be registered (an operator, with a new key of its own); a regulator over its division decides",
		Long: `An operator applies itself: make a key (coldtrace keys add NAME), write the application as
JSON — uscc, name, kind, division and a profile: address, legalRepresentativeTitle (a title,
never a person's name or identity number), contact (a business channel) and licences (the
food business licence with its number and validity; cold stores add coldStoreCapacityKg
and temperatureZones) — see docs/examples/application.json, and sign it with the new key.
The enterprise is pending until a regulator over its division approves or refuses it
(tx registry decide). Rules v3.`,
		Example: `  coldtrace keys add stall7
  coldtrace tx registry apply --file docs/examples/application.json --from stall7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			m := &types.MsgApplyEnterprise{}
			if err := protojson.Unmarshal(b, m); err != nil {
				return fmt.Errorf("%s: %v (fields: uscc, name, kind, division, profile)", file, err)
			}
			m.Uscc = strings.ToUpper(m.Uscc)
			if err := m.ValidateBasic(); err != nil {
				return fmt.Errorf("%s: %v", file, err)
			}
			return g.send(cmd, from, m)
		},
	}
	apply.Flags().StringVar(&file, "file", "", "the application (JSON)")
	_ = apply.MarkFlagRequired("file")

	decide := &cobra.Command{
		Use:   "decide USCC (--approve | --refuse) --reason TEXT --from REGULATOR",
		Short: "Approve or refuse a pending application in your jurisdiction",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if approve == refuse {
				return errors.New("give --approve or --refuse")
			}
			return g.send(cmd, from, &types.MsgDecideApplication{Uscc: strings.ToUpper(args[0]), Approve: approve, Reason: reason})
		},
	}
	decide.Flags().BoolVar(&approve, "approve", false, "approve the application")
	decide.Flags().BoolVar(&refuse, "refuse", false, "refuse it (its key is revoked; it may apply again with another key)")
	decide.Flags().StringVar(&reason, "reason", "", "why (recorded on chain; required)")

	var l types.Licence
	var kind string
	renew := &cobra.Command{
		Use:   "renew-licence USCC --kind food-business|food-production|cold-store --number N --valid-from D --valid-until D --from KEY",
		Short: "Record a renewed or new licence (the enterprise itself, or a regulator over it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, ok := types.LicenceKind_value["LICENCE_KIND_"+strings.ToUpper(strings.ReplaceAll(kind, "-", "_"))]
			if !ok || v == 0 {
				return fmt.Errorf("--kind %q: give food-business, food-production or cold-store", kind)
			}
			m := &types.MsgRenewLicence{Uscc: strings.ToUpper(args[0]), Licence: proto.Clone(&l).(*types.Licence)}
			m.Licence.Kind = types.LicenceKind(v)
			return g.send(cmd, from, m)
		},
	}
	renew.Flags().StringVar(&kind, "kind", "food-business", "the licence's kind")
	renew.Flags().StringVar(&l.Number, "number", "", "licence number")
	renew.Flags().StringVar(&l.ValidFrom, "valid-from", "", "first day of validity, YYYY-MM-DD")
	renew.Flags().StringVar(&l.ValidUntil, "valid-until", "", "last day of validity, YYYY-MM-DD")

	for _, c := range []*cobra.Command{apply, decide, renew} {
		c.Flags().StringVar(&from, "from", "", "keyring name of the signing key (required)")
		_ = c.MarkFlagRequired("from")
		addNodeFlag(c, g)
	}
	for _, c := range []*cobra.Command{decide} {
		_ = c.MarkFlagRequired("reason")
	}
	return []*cobra.Command{apply, decide, renew}
}
