package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

func newQueryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Read chain state from a node",
	}
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
	cmd.AddCommand(reg, newQueryTraceCmd(g), newQuerySupervisionCmd(g))
	return cmd
}

// queryRecord runs a query and prints the decoded answer.
func (g *globals) queryRecord(cmd *cobra.Command, path string, m proto.Message) error {
	if err := g.checkOutput(); err != nil {
		return err
	}
	c, err := g.dial()
	if err != nil {
		return err
	}
	if _, err := c.QueryInto(cmd.Context(), path, m); err != nil {
		return err
	}
	return g.printRecord(cmd, m)
}
