package main

import (
	"bytes"
	"fmt"
	"net/url"
	"os"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

func newVerifyCmd(g *globals) *cobra.Command {
	var file, genesis string
	cmd := &cobra.Command{
		Use:   "verify --file BUNDLE",
		Short: "Verify a saved proof bundle offline: headers, validators, proofs, answer and history",
		Long: `verify checks a bundle written by 'coldtrace export history' (or any proof bundle)
without contacting a node: the chain of headers from the bundle's trust root, the
validators' signatures, the app hash, every ics23 proof, the answer recomputed from the
proven records and, for a history, its hash chain. With --genesis (default: the home's
genesis.json, when it exists) the bundle's trust root must be that genesis.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if st, err := os.Stat(file); err == nil && st.Size() > client.MaxBundleBytes {
				return fmt.Errorf("%s has %d bytes; a bundle has at most %d", file, st.Size(), client.MaxBundleBytes)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			b, err := client.ParseBundle(data)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			v, err := b.Verify()
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if err := checkGenesis(g, genesis, b); err != nil {
				return err
			}
			var m proto.Message = &types.HistoryPage{}
			if u, err := url.Parse(b.Path); err == nil && u.Path != "/trace/history" {
				m = nil
			}
			if m != nil && proto.Unmarshal(v.Response.Value, m) == nil {
				if err := g.printRecord(cmd, m); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s %s\n", file, b.Path, v.Summary())
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the bundle (required)")
	cmd.Flags().StringVar(&genesis, "genesis", "", "genesis.json the trust root must match (default: the home's, if any)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

// checkGenesis compares a bundle's genesis trust root with a local genesis file.
func checkGenesis(g *globals, path string, b *client.Bundle) error {
	explicit := path != ""
	if !explicit {
		path = g.home + "/config/genesis.json"
	}
	if _, err := os.Stat(path); err != nil {
		if explicit {
			return err
		}
		return nil // no local genesis to compare with: the bundle's root is reported
	}
	want, err := client.LoadGenesisTrust(path)
	if err != nil {
		return err
	}
	if len(b.Genesis) == 0 {
		return fmt.Errorf("the bundle trusts height %d, not the genesis %s", b.TrustHeight, path)
	}
	have, err := client.BundleGenesis(b)
	if err != nil {
		return err
	}
	wantHash, err := client.GenesisValidatorHash(want.Genesis)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if have.ChainID != want.Genesis.ChainID || !bytes.Equal(have.ValidatorHash(), wantHash) {
		return fmt.Errorf("the bundle's trust root (chain %s) is not the genesis in %s (chain %s)", have.ChainID, path, want.Genesis.ChainID)
	}
	return nil
}
