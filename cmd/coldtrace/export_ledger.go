package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/export"
	"github.com/coldtrace/coldtrace/types"
)

const ledgerLong = `ledger writes an operator's goods-received ledger (进货查验记录): one row per code of
every consignment it received in the days --from to --to (China's dates, inclusive): the
time of receipt, the supplier (USCC and name), the goods (name, category, GTIN), batch and
code, the quantity dispatched and received and any shortfall, the unit, and the
certificates the chain holds (customs declaration, inspection certificates customs
recorded, the one the commissioner stated, the code's release certificate, the batch's
nucleic-acid tests, the origin country).

Every answer is verified: the state of one height is read with proofs, its app hash
checked in the next header, which is verified from the trust root (--genesis, by default
the home's, or --trust-height and --trust-hash). The file states the chain id, that height
and the app hash. The consignments are found with the node's tx index (dispatch.buyer);
the index is only a list of candidates and is not proven complete: a receipt whose
dispatch the index lacks (pruned, or hidden by a dishonest node) is missing from the
ledger. docs/EXPORTS.md has the columns.

The CSV is UTF-8 with a byte order mark (Excel opens its Chinese text); the PDF is A4
landscape with the label font embedded.`

func newExportLedgerCmd(g *globals) *cobra.Command {
	var enterprise, from, to, format, out string
	cmd := &cobra.Command{
		Use:   "ledger --enterprise USCC [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format csv|pdf] --out FILE",
		Short: "Write an operator's verified goods-received ledger (进货查验记录) as CSV or PDF",
		Long:  ledgerLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "csv" && format != "pdf" {
				return fmt.Errorf("--format %q: give csv or pdf", format)
			}
			if err := types.ValidateUSCC(enterprise); err != nil {
				return fmt.Errorf("--enterprise: %w", err)
			}
			if err := export.ParseLedgerDays(from, to); err != nil {
				return err
			}
			c, err := g.dial()
			if err != nil {
				return err
			}
			trust, err := g.trustRoot()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			headers, err := c.NewHeaders(ctx, trust, queryArchives...)
			if err != nil {
				return err
			}
			r, err := newPinnedReader(ctx, c, headers)
			if err != nil {
				return err
			}
			ids, err := dispatchesTo(ctx, c, enterprise, r.height)
			if err != nil {
				return err
			}
			chainID, err := c.ChainID(ctx)
			if err != nil {
				return err
			}
			l, err := export.GatherLedger(r, export.LedgerOptions{
				ChainID: chainID, Enterprise: enterprise, From: from, To: to,
				Height: r.height, AppHash: r.appHash, Time: r.time,
			}, ids)
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			var f *os.File
			if out != "-" {
				if f, err = os.Create(out); err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if format == "pdf" {
				err = export.WriteLedgerPDF(l, w)
			} else {
				err = export.WriteLedgerCSV(l, w)
			}
			if err != nil {
				return err
			}
			if f != nil {
				if err := f.Close(); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: %d rows from %d consignments received (%d open, %d dismissed of %d the tx index named); verified at height %d (app hash %X)\n",
				out, len(l.Rows), receivedConsignments(l), l.Open, l.Dismissed, l.Candidates, r.height, r.appHash)
			return nil
		},
	}
	cmd.Flags().StringVar(&enterprise, "enterprise", "", "the operator's USCC (the buyer of the consignments)")
	cmd.Flags().StringVar(&from, "from", "", "first day of receipt, YYYY-MM-DD (China's date)")
	cmd.Flags().StringVar(&to, "to", "", "last day of receipt, YYYY-MM-DD (China's date)")
	cmd.Flags().StringVar(&format, "format", "csv", "csv or pdf")
	cmd.Flags().StringVar(&out, "out", "-", "file to write (- for standard output)")
	cmd.MarkFlagRequired("enterprise")
	addNodeFlag(cmd, g)
	addTrustFlags(cmd, g)
	return cmd
}

func receivedConsignments(l *export.Ledger) int {
	seen := map[string]bool{}
	for _, r := range l.Rows {
		seen[r.Consignment] = true
	}
	return len(seen)
}

// pinnedReader reads every record of a ledger at one height, with proofs
// against that height's app hash, verified once in the next header: the
// whole ledger describes one state.
type pinnedReader struct {
	ctx     context.Context
	c       *client.Client
	height  int64
	appHash []byte
	time    time.Time
}

func newPinnedReader(ctx context.Context, c *client.Client, headers *client.Headers) (*pinnedReader, error) {
	st, err := c.RPC().Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("node status: %w (is the node running?)", err)
	}
	h := st.SyncInfo.LatestBlockHeight - 1 // its app hash is in the newest header
	if h < 1 {
		return nil, fmt.Errorf("the node has committed no state to read yet (height %d)", st.SyncInfo.LatestBlockHeight)
	}
	lb, _, err := headers.VerifyTo(ctx, h+1)
	if err != nil {
		return nil, err
	}
	return &pinnedReader{ctx: ctx, c: c, height: h, appHash: lb.AppHash, time: lb.Time}, nil
}

func (p *pinnedReader) Read(path string, m proto.Message) (bool, error) {
	res, qerr := p.c.Query(p.ctx, path, p.height, true)
	if res == nil {
		return false, qerr
	}
	if res.Height != p.height {
		return false, fmt.Errorf("%w: the node answered %s for height %d, not %d", client.ErrVerification, path, res.Height, p.height)
	}
	if _, err := client.VerifyAnswer(res, path, p.appHash); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	if res.Code == types.ErrNotFound.Code {
		return false, nil
	}
	if qerr != nil {
		return false, qerr
	}
	if err := proto.Unmarshal(res.Value, m); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return true, nil
}

// dispatchesTo asks the node's tx index for the consignments dispatched to
// buyer up to height: candidates only, each checked against its verified
// record afterwards.
func dispatchesTo(ctx context.Context, c *client.Client, buyer string, height int64) ([][]byte, error) {
	q := fmt.Sprintf("dispatch.buyer='%s' AND tx.height<=%d", buyer, height)
	var ids [][]byte
	perPage := 100
	for page, seen := 1, 0; ; page++ {
		res, err := c.RPC().TxSearch(ctx, q, false, &page, &perPage, "asc")
		if err != nil {
			return nil, fmt.Errorf("tx_search %s: %w (is the node's tx_index.indexer \"kv\"?)", q, err)
		}
		for _, tx := range res.Txs {
			for _, e := range tx.TxResult.Events {
				if e.Type != "dispatch" {
					continue
				}
				var to, con string
				for _, a := range e.Attributes {
					switch a.Key {
					case "buyer":
						to = a.Value
					case "consignment":
						con = a.Value
					}
				}
				if id, err := hex.DecodeString(con); err == nil && to == buyer && len(id) > 0 {
					ids = append(ids, id)
				}
			}
		}
		seen += len(res.Txs)
		if len(res.Txs) == 0 || seen >= res.TotalCount {
			return ids, nil
		}
	}
}
