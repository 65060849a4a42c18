package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// parseItems reads CODE=QUANTITY arguments (the quantity after the last '=').
func parseItems(args []string) ([]*types.CodeQuantity, error) {
	var out []*types.CodeQuantity
	for _, a := range args {
		i := strings.LastIndex(a, "=")
		if i <= 0 {
			return nil, fmt.Errorf("%q: give CODE=QUANTITY (quantity in the code's unit: grams or pieces)", a)
		}
		q, err := strconv.ParseUint(a[i+1:], 10, 64)
		if err != nil || q == 0 {
			return nil, fmt.Errorf("%q: the quantity %q is not a positive whole number", a, a[i+1:])
		}
		out = append(out, &types.CodeQuantity{Code: a[:i], Quantity: q})
	}
	return out, nil
}

// parseCenti reads a temperature in degrees Celsius with up to two decimals
// ("-18", "-18.5", "4.25") as an integer of centi-degrees, without floats.
func parseCenti(s string) (int32, error) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("temperature %q: at most two decimals", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err1 := strconv.ParseInt(whole, 10, 32)
	f, err2 := strconv.ParseInt(frac, 10, 32)
	if err1 != nil || err2 != nil || w > 1000 {
		return 0, fmt.Errorf("temperature %q is not a number of degrees Celsius such as -18.5", s)
	}
	v := int32(w*100 + f)
	if neg {
		v = -v
	}
	return v, nil
}

func parseHex32(s, what string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%s %q is not 64 hex characters", what, s)
	}
	return b, nil
}

const commissionExample = `{
  "batch": "B2026-07",
  "facts": {
    "name": "Frozen white shrimp", "category": "frozen seafood", "gtin": "09521234543213",
    "originCountry": "EC", "productionDate": "2026-07-01", "shelfLifeDays": 730,
    "supplier": "Guayaquil Seafood S.A.", "customsDeclaration": "310120260000123456",
    "inspectionCertificate": "IQ-2026-0042", "disinfectionCertificate": "DS-2026-0917",
    "nucleicAcidTest": {"result": "TEST_RESULT_NEGATIVE", "lab": "Hangzhou CDC", "date": "2026-07-20",
      "documentHash": "<base64 of the report's sha256>"},
    "tempMinCenti": -3000, "tempMaxCenti": -1800
  },
  "codes": [
    {"code": "https://id.example.com/01/09521234543213/10/B2026-07/21/0001", "quantity": 10000, "unit": "QUANTITY_UNIT_GRAMS"},
    {"quantity": 10000, "unit": "QUANTITY_UNIT_GRAMS"}
  ]
}`

func newTxTraceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trace",
		Short: "Commission codes and record their movements (an enterprise key signs)",
		Long: `Codes are GS1 Digital Link URIs (https://host/01/{GTIN}/10/{batch}/21/{serial}, /00/{SSCC}),
GS1 element strings ((01)...(10)...(21)...), element strings as scanners send them
(]d2010952123454321310B1<GS>21S1, GS typed in bash as $'\x1d': README "Codes as labels and
scanners write them") or native CT- codes issued by the chain; they are sent in canonical form.
Quantities are whole numbers in the code's unit (grams or pieces): CODE=QUANTITY.`,
	}
	var from string
	sub := func(c *cobra.Command, build func(cmd *cobra.Command, args []string) (proto.Message, error)) *cobra.Command {
		c.Flags().StringVar(&from, "from", "", "keyring name of the signing key (required)")
		_ = c.MarkFlagRequired("from")
		addNodeFlag(c, g)
		c.RunE = func(cmd *cobra.Command, args []string) error {
			msg, err := build(cmd, args)
			if err != nil {
				return err
			}
			return g.send(cmd, from, msg)
		}
		return c
	}

	var file string
	commission := sub(&cobra.Command{
		Use:   "commission --file batch.json --from KEY",
		Short: "Commission up to 1,000 codes of one batch (importers and wholesale markets)",
		Long: `The file holds the message in protobuf JSON: the batch name, the product facts (required for a
new batch, omitted to add codes to it) and the codes with quantity and unit. A code left empty
is issued by the chain as a native code and printed. Example:

` + commissionExample,
		Args: cobra.NoArgs,
	}, func(_ *cobra.Command, _ []string) (proto.Message, error) {
		if file == "" {
			return nil, errors.New("give --file with the batch in JSON (see --help for an example)")
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		m := &types.MsgCommission{}
		if err := protojson.Unmarshal(b, m); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return m, nil
	})
	commission.Flags().StringVar(&file, "file", "", "JSON file of the batch and its codes")

	var carrier, reference string
	var outside types.OutsideBuyer
	dispatch := sub(&cobra.Command{
		Use:   "dispatch (BUYER | --outside-province P --outside-name N --outside-uscc U) CODE=QTY... --from KEY",
		Short: "Send quantities you hold to a registered buyer (prints the consignment id the buyer receives), or to a buyer outside the province",
		Long: `Send quantities to a buyer registered on this chain, who receives them; or (rules v3) to a
buyer outside the province, named by its credit code, name and GB/T 2260 province code:
the goods leave the province and their loop here closes; the codes stay traceable and
their pages say where they went.`,
		Example: `  coldtrace tx trace dispatch 91330106MA28YYYY0E /01/09521234543213/10/B2026-07/21/0001=6000 --from scanner1
  coldtrace tx trace dispatch --outside-province 310000 --outside-name "Shanghai Pudong Seafood Co." \
      --outside-uscc 91310115MA1HPHAN0A /01/09521234543213/10/B2026-07/21/0001=2000 --from scanner1`,
		Args: cobra.MinimumNArgs(1),
	}, func(_ *cobra.Command, args []string) (proto.Message, error) {
		m := &types.MsgDispatch{Carrier: strings.ToUpper(carrier), Reference: reference}
		if outside.Province != "" || outside.Name != "" || outside.Uscc != "" {
			o := proto.Clone(&outside).(*types.OutsideBuyer)
			o.Uscc = strings.ToUpper(o.Uscc)
			m.OutsideBuyer = o
		} else {
			if len(args) < 2 {
				return nil, errors.New("give the BUYER and at least one CODE=QTY")
			}
			m.Buyer, args = strings.ToUpper(args[0]), args[1:]
		}
		items, err := parseItems(args)
		m.Items = items
		return m, err
	})
	dispatch.Flags().StringVar(&carrier, "carrier", "", "USCC of the logistics enterprise carrying the goods")
	dispatch.Flags().StringVar(&reference, "reference", "", "delivery note number")
	dispatch.Flags().StringVar(&outside.Province, "outside-province", "", "a buyer outside the province: its GB/T 2260 province code, e.g. 310000")
	dispatch.Flags().StringVar(&outside.Name, "outside-name", "", "a buyer outside the province: its name")
	dispatch.Flags().StringVar(&outside.Uscc, "outside-uscc", "", "a buyer outside the province: its unified social credit code")

	var all bool
	var note string
	receive := sub(&cobra.Command{
		Use:   "receive CONSIGNMENT [CODE=QTY...] --from KEY",
		Short: "Confirm a consignment addressed to you; a shortfall is recorded as a discrepancy",
		Long: `Give the quantity received of each code, or --all to receive everything dispatched.
A code left out was not received at all.`,
		Args: cobra.MinimumNArgs(1),
	}, func(cmd *cobra.Command, args []string) (proto.Message, error) {
		id, err := parseHex32(args[0], "consignment")
		if err != nil {
			return nil, err
		}
		m := &types.MsgReceive{Consignment: id, Note: note}
		if all {
			if len(args) > 1 {
				return nil, errors.New("give either --all or CODE=QTY arguments")
			}
			c, err := g.dial()
			if err != nil {
				return nil, err
			}
			con := &types.Consignment{}
			if _, err := c.QueryInto(cmd.Context(), "/trace/consignment/"+args[0], con); err != nil {
				return nil, err
			}
			m.Received = con.Items
			return m, nil
		}
		m.Received, err = parseItems(args[1:])
		return m, err
	})
	receive.Flags().BoolVar(&all, "all", false, "receive every code in the quantity dispatched")
	receive.Flags().StringVar(&note, "note", "", "condition, spec or reason for a shortfall")

	var consumed bool
	var businessBuyer string
	sell := sub(&cobra.Command{
		Use:   "sell CODE=QTY... --from KEY",
		Short: "Record a retail sale (or, with --consumed, use in a restaurant); no consumer data is recorded",
		Args:  cobra.MinimumNArgs(1),
	}, func(_ *cobra.Command, args []string) (proto.Message, error) {
		items, err := parseItems(args)
		kind := types.SaleKind_SALE_KIND_RETAIL
		if consumed {
			kind = types.SaleKind_SALE_KIND_CONSUMED
		}
		return &types.MsgSell{Kind: kind, Items: items, BusinessBuyer: strings.ToUpper(businessBuyer)}, err
	})
	sell.Flags().BoolVar(&consumed, "consumed", false, "the goods were used in a restaurant or canteen")
	sell.Flags().StringVar(&businessBuyer, "business-buyer", "", "USCC of the buyer when it is a business")

	split := sub(&cobra.Command{
		Use:   "split PARENT [CODE=]QTY... --from KEY",
		Short: "Repackage part of a code into child codes (QTY alone: the chain issues a native child code)",
		Args:  cobra.MinimumNArgs(2),
	}, func(_ *cobra.Command, args []string) (proto.Message, error) {
		m := &types.MsgSplit{Parent: args[0]}
		for _, a := range args[1:] {
			if q, err := strconv.ParseUint(a, 10, 64); err == nil {
				m.Children = append(m.Children, &types.NewCode{Quantity: q})
				continue
			}
			items, err := parseItems([]string{a})
			if err != nil {
				return nil, err
			}
			m.Children = append(m.Children, &types.NewCode{Code: items[0].Code, Quantity: items[0].Quantity})
		}
		return m, nil
	})

	aggregate := sub(&cobra.Command{
		Use:   "aggregate UNIT CODE=QTY... --from KEY",
		Short: "Put quantities into a logistic unit (SSCC pallet or container), created on first use",
		Args:  cobra.MinimumNArgs(2),
	}, func(_ *cobra.Command, args []string) (proto.Message, error) {
		items, err := parseItems(args[1:])
		return &types.MsgAggregate{Unit: args[0], Items: items}, err
	})
	disaggregate := sub(&cobra.Command{
		Use:   "disaggregate UNIT --from KEY",
		Short: "Take everything out of a logistic unit you hold",
		Args:  cobra.ExactArgs(1),
	}, func(_ *cobra.Command, args []string) (proto.Message, error) {
		return &types.MsgDisaggregate{Unit: args[0]}, nil
	})

	var codes []string
	var consignment, minT, maxT, start, end, device, rawHash string
	sensor := sub(&cobra.Command{
		Use:     "sensor (--codes C1,C2 | --consignment ID) --min T --max T --start TIME --end TIME --device ID --from KEY",
		Short:   "Record the temperature range seen over a window (degrees Celsius, RFC 3339 times)",
		Example: `  coldtrace tx trace sensor --codes /01/09521234543213/10/B2026-07/21/0001 --min -21.5 --max -19 --start 2026-07-21T08:00:00Z --end 2026-07-21T20:00:00Z --device logger-17 --from scanner1`,
		Args:    cobra.NoArgs,
	}, func(_ *cobra.Command, _ []string) (proto.Message, error) {
		m := &types.MsgSensorReport{Codes: codes, DeviceId: device}
		var err error
		if consignment != "" {
			if m.Consignment, err = parseHex32(consignment, "consignment"); err != nil {
				return nil, err
			}
		}
		if m.MinCenti, err = parseCenti(minT); err != nil {
			return nil, err
		}
		if m.MaxCenti, err = parseCenti(maxT); err != nil {
			return nil, err
		}
		for _, p := range []struct {
			s   string
			dst *int64
		}{{start, &m.StartUnix}, {end, &m.EndUnix}} {
			t, err := time.Parse(time.RFC3339, p.s)
			if err != nil {
				return nil, fmt.Errorf("time %q: use RFC 3339, e.g. 2026-07-21T08:00:00+08:00", p.s)
			}
			*p.dst = t.Unix()
		}
		if rawHash != "" {
			if m.RawDataHash, err = parseHex32(rawHash, "raw data hash"); err != nil {
				return nil, err
			}
		}
		return m, nil
	})
	sensor.Flags().StringSliceVar(&codes, "codes", nil, "codes you hold (comma-separated)")
	sensor.Flags().StringVar(&consignment, "consignment", "", "consignment you send, carry or receive")
	sensor.Flags().StringVar(&minT, "min", "", "lowest temperature seen, °C")
	sensor.Flags().StringVar(&maxT, "max", "", "highest temperature seen, °C")
	sensor.Flags().StringVar(&start, "start", "", "start of the window (RFC 3339)")
	sensor.Flags().StringVar(&end, "end", "", "end of the window (RFC 3339)")
	sensor.Flags().StringVar(&device, "device", "", "id of the recording device")
	sensor.Flags().StringVar(&rawHash, "raw-hash", "", "sha256 (hex) of the raw readings kept off chain")

	var reason, correctNote string
	var corrective []string
	correct := sub(&cobra.Command{
		Use:   "correct EVENT --reason did_not_occur|incorrect_data --from KEY",
		Short: "Declare an earlier event erroneous (EPCIS errorDeclaration); nothing is edited or deleted",
		Args:  cobra.ExactArgs(1),
	}, func(_ *cobra.Command, args []string) (proto.Message, error) {
		ev, err := parseHex32(args[0], "event")
		if err != nil {
			return nil, err
		}
		m := &types.MsgCorrect{Event: ev, Note: correctNote}
		switch reason {
		case "did_not_occur":
			m.Reason = types.CorrectionReason_CORRECTION_REASON_DID_NOT_OCCUR
		case "incorrect_data":
			m.Reason = types.CorrectionReason_CORRECTION_REASON_INCORRECT_DATA
		default:
			return nil, fmt.Errorf("--reason must be did_not_occur or incorrect_data")
		}
		for _, c := range corrective {
			h, err := parseHex32(c, "corrective event")
			if err != nil {
				return nil, err
			}
			m.CorrectiveEvents = append(m.CorrectiveEvents, h)
		}
		return m, nil
	})
	correct.Flags().StringVar(&reason, "reason", "", "did_not_occur or incorrect_data")
	correct.Flags().StringVar(&correctNote, "note", "", "what was wrong")
	correct.Flags().StringSliceVar(&corrective, "corrective", nil, "hash of the event that records what really happened")

	cmd.AddCommand(commission, dispatch, receive, sell, split, aggregate, disaggregate, sensor, correct)
	return cmd
}

func newQueryTraceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "trace", Short: "Codes, their history, holdings, batches, consignments and traces"}
	q := func(use, short string, nargs int, path func(args []string) (string, error), m func() proto.Message) *cobra.Command {
		c := &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(nargs),
			RunE: func(cmd *cobra.Command, args []string) error {
				p, err := path(args)
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
	var from uint64
	paged := func(c *cobra.Command) *cobra.Command {
		c.Flags().StringVar(&after, "after", "", "page position: the 'next' value of the previous page")
		c.Flags().IntVar(&limit, "limit", 50, "entries per page (1-100)")
		return c
	}
	page := func() string { return fmt.Sprintf("&after=%s&limit=%d", url.QueryEscape(after), limit) }
	esc := url.QueryEscape

	history := q("history CODE", "A code's record and its events, oldest first", 1,
		func(a []string) (string, error) {
			return fmt.Sprintf("/trace/history?code=%s&from=%d&limit=%d", esc(a[0]), from, limit), nil
		}, func() proto.Message { return &types.HistoryPage{} })
	history.Flags().Uint64Var(&from, "from", 0, "index of the first event")
	history.Flags().IntVar(&limit, "limit", 50, "events per page (1-100)")

	var fwdBatch, fwdCode string
	forward := &cobra.Command{
		Use:   "forward (--batch USCC/BATCH | --code CODE)",
		Short: "Everyone who received any of a batch or code, with quantities and dates (follows splits and units)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := "/trace/forward?batch=" + esc(fwdBatch)
			if fwdCode != "" {
				p = "/trace/forward?code=" + esc(fwdCode)
			}
			return g.queryRecord(cmd, p, &types.Trace{})
		},
	}
	forward.Flags().StringVar(&fwdBatch, "batch", "", "batch id: the commissioner's USCC, '/', the batch name")
	forward.Flags().StringVar(&fwdCode, "code", "", "a code")
	addNodeFlag(forward, g)

	cmd.AddCommand(
		codeCmd(g),
		history,
		paged(q("holdings USCC", "Codes an enterprise holds", 1,
			func(a []string) (string, error) {
				return "/trace/holdings/" + strings.ToUpper(a[0]) + "?" + page()[1:], nil
			},
			func() proto.Message { return &types.CodeList{} })),
		q("batch USCC/BATCH", "A batch's product facts", 1,
			func(a []string) (string, error) { return "/trace/batch?id=" + esc(a[0]), nil },
			func() proto.Message { return &types.Batch{} }),
		paged(q("batch-codes USCC/BATCH", "The codes of a batch, including split children", 1,
			func(a []string) (string, error) { return "/trace/batch-codes?id=" + esc(a[0]) + page(), nil },
			func() proto.Message { return &types.CodeList{} })),
		q("consignment ID", "A consignment: sender, buyer, items, receipt", 1,
			func(a []string) (string, error) { return "/trace/consignment/" + a[0], nil },
			func() proto.Message { return &types.Consignment{} }),
		q("inbound USCC", "Open consignments addressed to an enterprise", 1,
			func(a []string) (string, error) { return "/trace/inbound/" + strings.ToUpper(a[0]), nil },
			func() proto.Message { return &types.ConsignmentList{} }),
		q("event HASH", "One event by its hash", 1,
			func(a []string) (string, error) { return "/trace/event/" + a[0], nil },
			func() proto.Message { return &types.Event{} }),
		forward,
		q("backward CODE", "The chain of custody of a code back to its commissioning", 1,
			func(a []string) (string, error) { return "/trace/backward?code=" + esc(a[0]), nil },
			func() proto.Message { return &types.Trace{} }),
		q("origin CODE", "This chain's record of goods that arrived with CODE, their code in another province", 1,
			func(a []string) (string, error) { return "/trace/origin?code=" + esc(a[0]), nil },
			func() proto.Message { return &types.CodeRecord{} }),
	)
	return cmd
}

// codeCmd shows a code's record together with its batch's product facts.
func codeCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "code CODE",
		Short: "A code: product facts, status, holders and quantities, excursions, history head",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			c, err := g.dial()
			if err != nil {
				return err
			}
			rec := &types.CodeRecord{}
			v, err := g.fetch(cmd, c, "/trace/code?code="+url.QueryEscape(args[0]), rec)
			if err != nil {
				return err
			}
			view := &types.CodeView{Code: rec}
			if rec.BatchId != "" {
				view.Batch = &types.Batch{}
				if _, err := g.fetch(cmd, c, "/trace/batch?id="+url.QueryEscape(rec.BatchId), view.Batch); err != nil {
					return err
				}
			}
			if err := g.printRecord(cmd, view); err != nil {
				return err
			}
			g.printVerified(cmd, v)
			return nil
		},
	}
	addNodeFlag(c, g)
	return c
}
