package main

import (
	"crypto/ed25519"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/client"
)

func newKeysCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the ed25519 signing keys in the home's keyring (<home>/keyring, mode 0600)",
	}
	show := func(cmd *cobra.Command, k client.KeyInfo) error {
		if g.output == "json" {
			return printJSON(cmd, k)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", k.Name, k.PublicKey)
		return nil
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "add NAME",
		Short: "Create a new key; a regulator registers its public key before it can sign",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr := client.NewKeyring(g.home)
			if _, err := kr.Add(args[0]); err != nil {
				return err
			}
			k, err := kr.Show(args[0])
			if err != nil {
				return err
			}
			return show(cmd, k)
		},
	}, &cobra.Command{
		Use:   "list",
		Short: "List the keys: name and public key (hex)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks, err := client.NewKeyring(g.home).List()
			if err != nil {
				return err
			}
			if g.output == "json" {
				if ks == nil {
					ks = []client.KeyInfo{}
				}
				return printJSON(cmd, ks)
			}
			for _, k := range ks {
				if err := show(cmd, k); err != nil {
					return err
				}
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Print a key's public key (hex)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := client.NewKeyring(g.home).Show(args[0])
			if err != nil {
				return err
			}
			if g.output == "text" {
				fmt.Fprintln(cmd.OutOrStdout(), k.PublicKey)
				return nil
			}
			return show(cmd, k)
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a key file (revoke it on chain first with `tx registry revoke-key`)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := client.NewKeyring(g.home).Delete(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %s\n", args[0])
			return nil
		},
	})
	return cmd
}

// resolvePublicKey accepts a keyring name or a hex public key.
func (g *globals) resolvePublicKey(s string) (ed25519.PublicKey, error) {
	if k, err := client.ParsePublicKey(s); err == nil {
		return k, nil
	}
	priv, err := client.NewKeyring(g.home).Get(s)
	if err != nil {
		return nil, fmt.Errorf("%q is neither a 64-hex-character public key nor a key in the keyring: %w", s, err)
	}
	return priv.Public().(ed25519.PublicKey), nil
}
