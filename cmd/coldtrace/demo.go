package main

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/gateway/demo"
	"github.com/coldtrace/coldtrace/node"
)

func newDemoCmd(g *globals) *cobra.Command {
	var base, console string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Seed a demo scenario into a running node and print the gateway pages to open",
		Long: `demo uses the home's keys "regulator" and "customs" (created by 'coldtrace init') and
keys named demo-* (created in the home's keyring when missing) to record a realistic
scenario: a city regulator registers an importer, a supervision warehouse, a wholesale
market, a supermarket and a restaurant; a domestic batch of frozen hairtail and an
imported batch of Ecuadorian shrimp (declared by customs, entered into and released by
the warehouse) move to the supermarket and the restaurant with temperature reports; the
regulator holds one carton. Steps already on chain are skipped, so demo can run again.
It prints the gateway URLs of a normal product, a held product and the console.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.dial()
			if err != nil {
				return err
			}
			kr, err := g.keyring()
			if err != nil {
				return err
			}
			root, err := kr.Get(node.RegulatorKeyName)
			if err != nil {
				return fmt.Errorf("%w (demo signs with the keys 'coldtrace init' created in --home)", err)
			}
			customs, err := kr.Get(node.CustomsKeyName)
			if err != nil {
				return err
			}
			division, err := rootDivision(filepath.Join(g.home, "config", "genesis.json"))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			r, err := demo.Seed(cmd.Context(), c, demo.Options{Root: root, RootDivision: division, Customs: customs, Log: out,
				Key: func(name string) (ed25519.PrivateKey, error) {
					if k, err := kr.Get(name); err == nil {
						return k, nil
					}
					return kr.Add(name)
				}})
			if err != nil {
				return err
			}
			base = strings.TrimRight(base, "/")
			fmt.Fprintf(out, "\nOpen in a browser (run 'coldtrace gateway' or 'coldtrace start' first):\n")
			fmt.Fprintf(out, "  normal product:   %s%s\n", base, r.Normal)
			fmt.Fprintf(out, "  held product:     %s%s\n", base, r.Held)
			fmt.Fprintf(out, "  imported product: %s%s\n", base, r.ImportedCarton)
			token := "the gateway's --console-token"
			if _, err := os.Stat(filepath.Join(gateway.DefaultDataDir(g.home), "console.token")); err == nil {
				token = "the token in " + filepath.Join(gateway.DefaultDataDir(g.home), "console.token")
			}
			// The key that acts for the city: the demo's own, unless the city
			// had a regulator already (then the root acts for it).
			cityKey := node.RegulatorKeyName
			if r.CityKey.Equal(r.Keys[demo.KeyCity]) {
				cityKey = demo.KeyCity
			}
			fmt.Fprintf(out, "  console:          coldtrace console login --from %s   (the jurisdiction of %s)\n", cityKey, r.City)
			fmt.Fprintf(out, "                    %s (the operator: %s)\n", console, token)
			fmt.Fprintf(out, "  labels:           coldtrace label --batch %s --out labels.pdf --base %s\n", r.DomesticBatch, base)
			return nil
		},
	}
	cmd.Flags().StringVar(&base, "base", "http://"+gateway.DefaultListen, "the gateway's public address, for the printed URLs")
	cmd.Flags().StringVar(&console, "console", "http://"+gateway.DefaultConsoleListen+"/console", "the console's address, for the printed URL")
	addNodeFlag(cmd, g)
	return cmd
}

// rootDivision reads the root regulator's division from a genesis file.
func rootDivision(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var gen struct {
		AppState map[string]json.RawMessage `json:"app_state"`
	}
	if err := json.Unmarshal(b, &gen); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	raw := gen.AppState["rootRegulator"]
	if raw == nil {
		raw = gen.AppState["root_regulator"]
	}
	var root struct {
		Division string `json:"division"`
	}
	if err := json.Unmarshal(raw, &root); err != nil || root.Division == "" {
		return "", fmt.Errorf("%s names no root regulator", path)
	}
	return root.Division, nil
}
