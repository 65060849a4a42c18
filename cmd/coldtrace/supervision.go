package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

func newTxSupervisionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "supervision",
		Short: "Customs declarations, warehouse entry and release, tests, holds, recalls, destruction, alerts",
	}
	var from string
	sub := func(c *cobra.Command, build func(args []string) (proto.Message, error)) *cobra.Command {
		c.Flags().StringVar(&from, "from", "", "keyring name of the signing key (required)")
		_ = c.MarkFlagRequired("from")
		addNodeFlag(c, g)
		c.RunE = func(cmd *cobra.Command, args []string) error {
			msg, err := build(args)
			if err != nil {
				return err
			}
			return g.send(cmd, from, msg)
		}
		return c
	}
	var batch, reason string
	batchOrCodes := func(args []string) (string, []string, error) {
		if (batch == "") == (len(args) == 0) {
			return "", nil, errors.New("give either --batch USCC/BATCH or codes")
		}
		return batch, args, nil
	}

	var d types.MsgDeclare
	var unit string
	declare := sub(&cobra.Command{
		Use:   "declare NUMBER --port P --date D --goods G --quantity Q --unit grams|pieces --origin CC --importer USCC --from customs",
		Short: "Record an import declaration (customs); commissions of the goods cite it",
		Args:  cobra.ExactArgs(1),
	}, func(args []string) (proto.Message, error) {
		m := proto.Clone(&d).(*types.MsgDeclare)
		m.Number, m.Importer = args[0], strings.ToUpper(m.Importer)
		u, err := parseUnit(unit)
		m.Unit = u
		return m, err
	})
	declare.Flags().StringVar(&d.Port, "port", "", "port of entry")
	declare.Flags().StringVar(&d.Date, "date", "", "declaration date, YYYY-MM-DD")
	declare.Flags().StringVar(&d.Goods, "goods", "", "description of the goods")
	declare.Flags().StringVar(&d.Gtin, "gtin", "", "GTIN of the goods, if any")
	declare.Flags().Uint64Var(&d.Quantity, "quantity", 0, "declared quantity (in --unit)")
	declare.Flags().StringVar(&unit, "unit", "grams", "grams or pieces")
	declare.Flags().StringVar(&d.OriginCountry, "origin", "", "origin country, ISO 3166-1 alpha-2")
	declare.Flags().StringVar(&d.Importer, "importer", "", "USCC of the importer")

	enter := sub(&cobra.Command{
		Use:   "enter CODE... --from KEY",
		Short: "Enter codes you hold into your supervision warehouse (CBV storing)",
		Args:  cobra.MinimumNArgs(1),
	}, func(args []string) (proto.Message, error) { return &types.MsgWarehouseEntry{Codes: args}, nil })

	var inspection, disinfection string
	release := sub(&cobra.Command{
		Use:   "release CODE... --from KEY",
		Short: "Release entered codes (supervision warehouse); refused without the four conditions",
		Long: `A release needs, on the batch or given here: an inspection and quarantine certificate,
a negative nucleic-acid test, a disinfection certificate and complete traceability facts.`,
		Args: cobra.MinimumNArgs(1),
	}, func(args []string) (proto.Message, error) {
		return &types.MsgRelease{Codes: args, InspectionCertificate: inspection, DisinfectionCertificate: disinfection}, nil
	})
	release.Flags().StringVar(&inspection, "inspection-certificate", "", "inspection and quarantine certificate number, if the batch lacks it")
	release.Flags().StringVar(&disinfection, "disinfection-certificate", "", "disinfection certificate number, if the batch lacks it")

	var t types.MsgRecordTest
	var kind, result, docHash string
	test := sub(&cobra.Command{
		Use:   "test (--batch USCC/BATCH | CODE...) --result negative|positive --lab L --name N --from KEY",
		Short: "Record an inspection or lab test (customs, supervision warehouse, regulator); a positive result holds the whole batch",
		Args:  cobra.ArbitraryArgs,
	}, func(args []string) (proto.Message, error) {
		m := proto.Clone(&t).(*types.MsgRecordTest)
		var err error
		if m.Batch, m.Codes, err = batchOrCodes(args); err != nil {
			return nil, err
		}
		switch kind {
		case "sampling":
			m.Kind = types.TestKind_TEST_KIND_SAMPLING
		case "inspection":
			m.Kind = types.TestKind_TEST_KIND_INSPECTION
		default:
			return nil, fmt.Errorf("--kind must be sampling or inspection")
		}
		switch result {
		case "negative":
			m.Result = types.TestResult_TEST_RESULT_NEGATIVE
		case "positive":
			m.Result = types.TestResult_TEST_RESULT_POSITIVE
		default:
			return nil, fmt.Errorf("--result must be negative or positive")
		}
		if docHash != "" {
			if m.DocumentHash, err = parseHex32(docHash, "document hash"); err != nil {
				return nil, err
			}
		}
		return m, nil
	})
	test.Flags().StringVar(&batch, "batch", "", "batch id (USCC/BATCH)")
	test.Flags().StringVar(&kind, "kind", "sampling", "sampling (a lab test of a sample) or inspection")
	test.Flags().StringVar(&result, "result", "", "negative or positive")
	test.Flags().StringVar(&t.Lab, "lab", "", "laboratory or inspection body")
	test.Flags().StringVar(&t.SampleId, "sample", "", "sample id")
	test.Flags().StringVar(&t.TestName, "name", "SARS-CoV-2 nucleic acid", "what was tested")
	test.Flags().StringVar(&docHash, "doc-hash", "", "sha256 (hex) of the report, kept off chain")

	hold := sub(&cobra.Command{
		Use:   "hold (--batch USCC/BATCH | CODE...) --reason TEXT --from KEY",
		Short: "Hold goods held inside your jurisdiction (regulator); they cannot move until released",
		Args:  cobra.ArbitraryArgs,
	}, func(args []string) (proto.Message, error) {
		b, codes, err := batchOrCodes(args)
		return &types.MsgHold{Batch: b, Codes: codes, Reason: reason}, err
	})
	unhold := sub(&cobra.Command{
		Use:   "unhold (--batch USCC/BATCH | CODE...) --reason TEXT --from KEY",
		Short: "Lift holds you may lift: your own, those of regulators below you, automatic ones in your jurisdiction",
		Args:  cobra.ArbitraryArgs,
	}, func(args []string) (proto.Message, error) {
		b, codes, err := batchOrCodes(args)
		return &types.MsgUnhold{Batch: b, Codes: codes, Reason: reason}, err
	})
	recall := sub(&cobra.Command{
		Use:   "recall USCC/BATCH --reason TEXT --from KEY",
		Short: "Recall a batch (regulator of the commissioner); the chain holds every remaining holding and open consignment",
		Args:  cobra.ExactArgs(1),
	}, func(args []string) (proto.Message, error) {
		return &types.MsgRecall{Batch: args[0], Reason: reason}, nil
	})
	for _, c := range []*cobra.Command{hold, unhold, recall} {
		c.Flags().StringVar(&reason, "reason", "", "why (recorded on chain; required)")
	}
	hold.Flags().StringVar(&batch, "batch", "", "a whole batch (USCC/BATCH)")
	unhold.Flags().StringVar(&batch, "batch", "", "a whole batch (USCC/BATCH)")

	var ds types.MsgDestroy
	destroy := sub(&cobra.Command{
		Use:   "destroy CODE --holder USCC --quantity Q --method M --from KEY",
		Short: "Witness the destruction of a holder's goods (regulator of the holder's jurisdiction)",
		Args:  cobra.ExactArgs(1),
	}, func(args []string) (proto.Message, error) {
		m := proto.Clone(&ds).(*types.MsgDestroy)
		m.Code, m.Holder = args[0], strings.ToUpper(m.Holder)
		if docHash != "" {
			h, err := parseHex32(docHash, "document hash")
			if err != nil {
				return nil, err
			}
			m.DocumentHash = h
		}
		return m, nil
	})
	destroy.Flags().StringVar(&ds.Holder, "holder", "", "USCC of the enterprise holding the goods")
	destroy.Flags().Uint64Var(&ds.Quantity, "quantity", 0, "quantity destroyed, in the code's unit")
	destroy.Flags().StringVar(&ds.Method, "method", "", "e.g. incineration")
	destroy.Flags().StringVar(&docHash, "doc-hash", "", "sha256 (hex) of the destruction record, kept off chain")

	var comment string
	ack := sub(&cobra.Command{
		Use:   "ack ALERT-ID --comment TEXT --from KEY",
		Short: "Acknowledge (close) an alert of your jurisdiction",
		Args:  cobra.ExactArgs(1),
	}, func(args []string) (proto.Message, error) {
		id, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("alert id %q is not a number", args[0])
		}
		return &types.MsgAcknowledge{Alert: id, Comment: comment}, nil
	})
	ack.Flags().StringVar(&comment, "comment", "", "what was done (required)")

	cmd.AddCommand(declare, enter, release, test, hold, unhold, recall, destroy, ack)
	return cmd
}

func parseUnit(s string) (types.QuantityUnit, error) {
	switch s {
	case "grams", "g":
		return types.QuantityUnit_QUANTITY_UNIT_GRAMS, nil
	case "pieces", "pcs":
		return types.QuantityUnit_QUANTITY_UNIT_PIECES, nil
	}
	return 0, fmt.Errorf("unit %q must be grams or pieces", s)
}

func newQuerySupervisionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "supervision", Short: "Alerts, holds, recalls, statistics and flows of a jurisdiction"}
	var after, fromDate, toDate string
	var limit int
	q := func(use, short string, path func(args []string) string, m func() proto.Message) *cobra.Command {
		c := &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return g.queryRecord(cmd, path(args), m())
			},
		}
		addNodeFlag(c, g)
		return c
	}
	paged := func(c *cobra.Command) *cobra.Command {
		c.Flags().StringVar(&after, "after", "", "page position: the 'next' value of the previous page")
		c.Flags().IntVar(&limit, "limit", 50, "entries per page (1-100)")
		return c
	}
	page := func() string { return fmt.Sprintf("after=%s&limit=%d", url.QueryEscape(after), limit) }
	dates := func(c *cobra.Command) *cobra.Command {
		c.Flags().StringVar(&fromDate, "from", "", "first day, YYYY-MM-DD (default: the beginning)")
		c.Flags().StringVar(&toDate, "to", "", "last day, YYYY-MM-DD (default: today)")
		return c
	}
	statsPath := func(a []string) string {
		return fmt.Sprintf("/supervision/stats/%s?from=%s&to=%s", a[0], url.QueryEscape(fromDate), url.QueryEscape(toDate))
	}
	flows := dates(&cobra.Command{
		Use:   "flows DIVISION-PREFIX",
		Short: "Quantities received into a jurisdiction from outside it, by origin country and source division",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.dial()
			if err != nil {
				return err
			}
			s := &types.StatsList{}
			v, err := g.fetch(cmd, c, statsPath(args), s)
			if err != nil {
				return err
			}
			defer g.printVerified(cmd, v)
			if g.output == "json" {
				return g.printRecord(cmd, &types.DayStats{Division: args[0], Flows: s.Total.Flows})
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ORIGIN\tFROM DIVISION\tQUANTITY")
			for _, f := range s.Total.Flows {
				fmt.Fprintf(w, "%s\t%s\t%d\n", f.OriginCountry, f.SourceDivision, f.Quantity)
			}
			return w.Flush()
		},
	})
	addNodeFlag(flows, g)
	var recallBatch string
	recall := &cobra.Command{
		Use:   "recall (ID | --batch USCC/BATCH)",
		Short: "A recall and its scope: every holding and open consignment it reached",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if recallBatch != "" {
				return g.queryRecord(cmd, "/supervision/recalls?batch="+url.QueryEscape(recallBatch), &types.RecallList{})
			}
			if len(args) != 1 {
				return errors.New("give a recall id or --batch")
			}
			return g.queryRecord(cmd, "/supervision/recall/"+args[0], &types.Recall{})
		},
	}
	recall.Flags().StringVar(&recallBatch, "batch", "", "the recalled batch (USCC/BATCH)")
	addNodeFlag(recall, g)
	cmd.AddCommand(
		paged(q("alerts DIVISION-PREFIX", "Open alerts of a jurisdiction (33, 3301, 330106), by division",
			func(a []string) string { return "/supervision/alerts/" + a[0] + "?" + page() },
			func() proto.Message { return &types.AlertList{} })),
		q("alert ID", "One alert, open or acknowledged",
			func(a []string) string { return "/supervision/alert/" + a[0] },
			func() proto.Message { return &types.Alert{} }),
		paged(q("holds DIVISION-PREFIX", "Held and recalled goods of a jurisdiction, as DIVISION+CODE",
			func(a []string) string { return "/supervision/holds/" + a[0] + "?" + page() },
			func() proto.Message { return &types.CodeList{} })),
		recall,
		dates(q("stats DIVISION-PREFIX", "Counters per division and day, and their total",
			statsPath, func() proto.Message { return &types.StatsList{} })),
		flows,
		q("declaration NUMBER", "A customs declaration and how much has been commissioned against it",
			func(a []string) string { return "/supervision/declaration/" + url.PathEscape(a[0]) },
			func() proto.Message { return &types.Declaration{} }),
	)
	return cmd
}
