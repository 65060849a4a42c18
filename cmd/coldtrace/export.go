package main

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/export"
	"github.com/coldtrace/coldtrace/types"
)

func newExportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write verifiable exports: proof bundles of a code's history, EPCIS 2.0 and FSMA 204 files",
	}
	var out string
	history := &cobra.Command{
		Use:   "history CODE --out FILE",
		Short: "Save a code's whole history with its proofs, headers and commits, for offline 'coldtrace verify'",
		Long: `history asks the node for the code's record and every event with proofs, verifies them
end to end from the trust root (see 'coldtrace query --help'), and writes a self-contained
proof bundle that 'coldtrace verify --file FILE' checks without a node.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
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
			v, err := c.VerifiedQuery(cmd.Context(), "/trace/history?limit=1000&code="+url.QueryEscape(args[0]), headers)
			if err != nil {
				return err
			}
			b, err := client.NewBundle(v)
			if err != nil {
				return err
			}
			data, err := b.Marshal()
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes): %s\n", out, len(data)+1, v.Summary())
			return nil
		},
	}
	history.Flags().StringVar(&out, "out", "history.json", "file to write")
	addNodeFlag(history, g)
	addTrustFlags(history, g)
	cmd.AddCommand(history, newExportDataCmd(g, "epcis"), newExportDataCmd(g, "fsma"), newExportLedgerCmd(g))
	return cmd
}

// addTrustFlags adds the trust-root flags to a command outside `query`.
func addTrustFlags(cmd *cobra.Command, g *globals) {
	cmd.Flags().StringVar(&g.genesis, "genesis", "", "genesis.json whose validators are the trust root (default: the home's)")
	cmd.Flags().Int64Var(&g.trustHeight, "trust-height", 0, "a trusted height, instead of the genesis")
	cmd.Flags().StringVar(&g.trustHash, "trust-hash", "", "the hash of the header at --trust-height (hex)")
}

// exportSource gathers histories through the client: each code's record,
// batch, events and the enterprises and consignments they name, following
// the logistic units its events packed it into. With --verify every answer is
// checked end to end first.
type exportSource struct {
	g    *globals
	cmd  *cobra.Command
	c    *client.Client
	ents map[string]*types.Enterprise
	cons map[string]*types.Consignment
	seen map[string]bool
	got  map[string]bool // hex hashes of the batch-level events already added
	out  []export.History
	from string // YYYY-MM-DD, inclusive; "" for no bound
	to   string
}

func (s *exportSource) fetch(path string, m proto.Message) error {
	_, err := s.g.fetch(s.cmd, s.c, path, m)
	return err
}

func (s *exportSource) code(code string) error {
	if s.seen[code] {
		return nil
	}
	s.seen[code] = true
	page := &types.HistoryPage{}
	if err := s.fetch("/trace/history?limit=1000&code="+url.QueryEscape(code), page); err != nil {
		return err
	}
	h := export.History{Code: page.Code, Enterprises: s.ents, Consignments: s.cons}
	if page.Code.BatchId != "" {
		h.Batch = &types.Batch{}
		if err := s.fetch("/trace/batch?id="+url.QueryEscape(page.Code.BatchId), h.Batch); err != nil {
			return err
		}
	}
	events := page.Events
	if h.Batch != nil {
		// A batch-level test is in the batch's record, not in the history of
		// any code: fetch it once for the first code of the batch.
		for _, hash := range h.Batch.TestEvents {
			key := hex.EncodeToString(hash)
			if s.got[key] {
				continue
			}
			s.got[key] = true
			e := &types.Event{}
			if err := s.fetch("/trace/event/"+key, e); err != nil {
				return err
			}
			events = append(events, e)
		}
	}
	var units []string
	for _, e := range events {
		day := time.UnixMilli(e.TimeMs).In(types.China).Format(time.DateOnly)
		if (s.from != "" && day < s.from) || (s.to != "" && day > s.to) {
			continue
		}
		hash, err := export.EventHash(e)
		if err != nil {
			return err
		}
		h.Events, h.EventHashes = append(h.Events, e), append(h.EventHashes, hash)
		if err := s.enterprise(e.Actor); err != nil {
			return err
		}
		if len(e.Consignment) == 32 {
			if err := s.consignment(e.Consignment); err != nil {
				return err
			}
		}
		if inner, err := e.Msg.Inner(); err == nil {
			if m, ok := inner.(*types.MsgAggregate); ok {
				if u, err := types.ParseTxCode(m.Unit); err == nil && u.String() != page.Code.Code {
					units = append(units, u.String())
				}
			}
		}
	}
	s.out = append(s.out, h)
	for _, u := range units {
		if err := s.code(u); err != nil {
			return err
		}
	}
	return nil
}

func (s *exportSource) enterprise(uscc string) error {
	if len(uscc) != 18 || s.ents[uscc] != nil {
		return nil
	}
	e := &types.Enterprise{}
	if err := s.fetch("/registry/enterprise/"+uscc, e); err != nil {
		return err
	}
	s.ents[uscc] = e
	return nil
}

func (s *exportSource) consignment(id []byte) error {
	key := hex.EncodeToString(id)
	if s.cons[key] != nil {
		return nil
	}
	con := &types.Consignment{}
	if err := s.fetch("/trace/consignment/"+key, con); err != nil {
		return err
	}
	s.cons[key] = con
	for _, u := range []string{con.Sender, con.Buyer, con.Carrier} {
		if err := s.enterprise(u); err != nil {
			return err
		}
	}
	return nil
}

// listed pages through a CodeList query and adds every code.
func (s *exportSource) listed(path string) error {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	after := ""
	for {
		l := &types.CodeList{}
		if err := s.fetch(path+sep+"limit=100&after="+url.QueryEscape(after), l); err != nil {
			return err
		}
		for _, c := range l.Codes {
			if err := s.code(c); err != nil {
				return err
			}
		}
		if l.Next == "" {
			return nil
		}
		after = l.Next
	}
}

// exportLong is the help of the EPCIS and FSMA commands.
var exportLong = map[string]string{
	"epcis": `epcis writes every event of a code (and of the logistic units it travelled in), or of
every code of a batch with the batch's own tests, as a GS1 EPCIS 2.0 JSON-LD EPCISDocument
that GS1's JSON schema accepts. Weighed goods are named as quantities of their lot class in
kilograms (uom KGM), whole serialised or native codes as instances; each eventID is the
event's CBV 2.0 EPCIS Event Hash ID (ni:///sha-256;...?ver=CBV2.0), which anyone can recompute
from the event, and ct:chainEventHash the hash it is stored under on chain; times carry
China's offset, +08:00. Parties, sites, consignments and devices are HTTP URIs under --base.
docs/EXPORTS.md describes every field.`,
	"fsma": `fsma writes the FDA FSMA 204 electronic sortable spreadsheet: one CSV row per critical
tracking event (21 CFR 1.1325-1.1350) and traceability lot, dated in China's time. The
chain does not record whether food came from a fishing vessel: name those batches with
--fishing-vessel so that their commissioning is First Land-Based Receiving; other imported
food is Receiving, other domestic food Initial Packing. The column "Key Data Elements Not on
Chain" names what each row lacks. docs/EXPORTS.md has the mapping.`,
}

func newExportDataCmd(g *globals, format string) *cobra.Command {
	var out, batch, division, base string
	var vessels []string
	s := &exportSource{g: g}
	use, short := "epcis (CODE | --batch USCC/BATCH) --out FILE", "Write an EPCIS 2.0 JSON-LD EPCISDocument of a code's or a batch's events"
	if format == "fsma" {
		use, short = "fsma (--batch USCC/BATCH | --division PREFIX [--from DATE --to DATE]) --out FILE", "Write the FSMA 204 electronic sortable spreadsheet (CSV) of critical tracking events"
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: exportLong[format], Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.dial()
			if err != nil {
				return err
			}
			s.cmd, s.c = cmd, c
			s.ents, s.cons, s.seen, s.got = map[string]*types.Enterprise{}, map[string]*types.Consignment{}, map[string]bool{}, map[string]bool{}
			switch {
			case len(args) == 1 && format == "epcis":
				err = s.code(args[0])
			case batch != "":
				err = s.listed("/trace/batch-codes?id=" + url.QueryEscape(batch))
			case division != "" && format == "fsma":
				err = s.division(division)
			default:
				return fmt.Errorf("usage: coldtrace export %s", use)
			}
			if err != nil {
				return err
			}
			chainID, err := c.ChainID(cmd.Context())
			if err != nil {
				return err
			}
			if err := s.knowsBatches(vessels); err != nil {
				return err
			}
			opts := export.Options{DigitalLinkBase: base, ChainID: chainID, FishingVesselBatches: vessels}
			f := os.Stdout
			if out != "" && out != "-" {
				if f, err = os.Create(out); err != nil {
					return err
				}
				defer f.Close()
			}
			if format == "fsma" {
				if err := export.FSMA(s.out, opts, f); err != nil {
					return err
				}
			} else {
				doc, err := export.EPCIS(s.out, opts)
				if err != nil {
					return err
				}
				if _, err := f.Write(append(doc, '\n')); err != nil {
					return err
				}
			}
			if f != os.Stdout {
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: %d codes\n", out, len(s.out))
			}
			return f.Sync()
		},
	}
	cmd.Flags().StringVar(&out, "out", "-", "file to write (- for standard output)")
	cmd.Flags().StringVar(&batch, "batch", "", "every code of a batch (USCC/BATCH)")
	cmd.Flags().StringVar(&base, "base", export.DefaultDigitalLinkBase, "base URI of the codes' Digital Link URIs and of the party, location, consignment and device URIs")
	if format == "fsma" {
		cmd.Flags().StringVar(&division, "division", "", "codes held by enterprises under a jurisdiction prefix")
		cmd.Flags().StringVar(&s.from, "from", "", "first day of events, YYYY-MM-DD (China's date)")
		cmd.Flags().StringVar(&s.to, "to", "", "last day of events, YYYY-MM-DD (China's date)")
		cmd.Flags().StringSliceVar(&vessels, "fishing-vessel", nil, "batches (USCC/BATCH) of food obtained from a fishing vessel: their commissioning is First Land-Based Receiving (repeat or separate with commas)")
	}
	cmd.Flags().BoolVar(&g.verify, "verify", false, "verify every answer end to end first")
	addNodeFlag(cmd, g)
	addTrustFlags(cmd, g)
	return cmd
}

// knowsBatches refuses a --fishing-vessel batch that no exported code
// belongs to: a mistyped id would silently leave its CTEs wrong.
func (s *exportSource) knowsBatches(ids []string) error {
	have := map[string]bool{}
	for _, h := range s.out {
		have[h.Code.BatchId] = true
	}
	for _, id := range ids {
		if !have[id] {
			return fmt.Errorf("--fishing-vessel %s: no exported code belongs to that batch (give it as USCC/BATCH, as --batch takes it)", id)
		}
	}
	return nil
}

// division adds the codes held by every enterprise under a jurisdiction prefix.
func (s *exportSource) division(prefix string) error {
	after := ""
	for {
		p := &types.EnterprisesPage{}
		if err := s.fetch("/registry/enterprises/"+prefix+"?limit=100&after="+url.QueryEscape(after), p); err != nil {
			return err
		}
		for _, e := range p.Enterprises {
			if err := s.listed("/trace/holdings/" + e.Uscc); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		after = p.Next
	}
}
