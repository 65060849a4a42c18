package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/gateway"
	"github.com/coldtrace/coldtrace/label"
)

func newLabelCmd(g *globals) *cobra.Command {
	var batch, out, base, font string
	cmd := &cobra.Command{
		Use:   "label --batch USCC/BATCH --out labels.pdf|labels.png",
		Short: "Print QR labels for every code of a batch: QR code of its Digital Link URI, product name, code",
		Long: `label reads a batch and all its codes from --node, verified from the trust root (see
'coldtrace query --help'), and prints one label per code: a QR code of the code's GS1
Digital Link URI on --base (the gateway's public address), the product name and the
code in text. A .pdf gets A4 pages of 3 x 8 labels of 70 x 37 mm; a .png gets sheets of
24 labels (labels.png, labels-2.png, ...). The product name is printed in Chinese and
Latin letters with the embedded Noto Sans SC subset: ASCII, Latin-1, GB 2312's symbols
and level-1 hanzi, and the fish-radical hanzi of level 2. A character outside it prints
as 〓 and is named on stderr; for such a name give --font with a TrueType font (.ttf)
that has it (PDF only).`,
		Example: `  coldtrace label --batch 91330106MA2CFX8Q1D/B2026-07 --out labels.pdf --base https://trace.example.gov.cn`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if batch == "" || out == "" {
				return fmt.Errorf("give --batch USCC/BATCH and --out FILE.pdf or FILE.png")
			}
			ext := strings.ToLower(filepath.Ext(out))
			if ext != ".pdf" && ext != ".png" {
				return fmt.Errorf("--out %s: write a .pdf or a .png", out)
			}
			c, err := g.dial()
			if err != nil {
				return err
			}
			trust, err := g.trustRoot()
			if err != nil {
				return err
			}
			headers, err := c.NewHeaders(cmd.Context(), trust)
			if err != nil {
				return err
			}
			labels, v, err := label.BatchLabels(cmd.Context(), c, headers, batch, base)
			if err != nil {
				return err
			}
			if len(labels) == 0 {
				return fmt.Errorf("batch %s has no codes", batch)
			}
			if missing := label.MissingRunes(labels[0].Name); len(missing) > 0 && font == "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: the label font has no %q of the product name %q; they print as %c (give --font FILE.ttf with a font that has them, for a PDF)\n",
					string(missing), labels[0].Name, label.Missing)
			}
			var files []string
			if ext == ".pdf" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				if err := label.LabelsPDF(f, labels, font); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
				files = append(files, out)
			} else {
				sheets, err := label.LabelsPNG(labels)
				if err != nil {
					return err
				}
				stem := strings.TrimSuffix(out, filepath.Ext(out))
				for i, b := range sheets {
					name := out
					if i > 0 {
						name = fmt.Sprintf("%s-%d%s", stem, i+1, filepath.Ext(out))
					}
					if err := os.WriteFile(name, b, 0o644); err != nil {
						return err
					}
					files = append(files, name)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d labels to %s; %s\n", len(labels), strings.Join(files, ", "), v.Summary())
			return nil
		},
	}
	cmd.Flags().StringVar(&batch, "batch", "", "batch id: the commissioner's USCC/BATCH")
	cmd.Flags().StringVar(&out, "out", "", "labels.pdf or labels.png")
	cmd.Flags().StringVar(&base, "base", "http://"+gateway.DefaultListen, "the gateway's public address, printed in the QR codes")
	cmd.Flags().StringVar(&font, "font", "", "TrueType font (.ttf) for product names in the PDF, instead of the embedded Noto Sans SC subset")
	addNodeFlag(cmd, g)
	addTrustFlags(cmd, g)
	return cmd
}
