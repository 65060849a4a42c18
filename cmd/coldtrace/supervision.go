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
	var unit, feed string
	declare := sub(&cobra.Command{
		Use:   "declare (NUMBER --port P --date D --goods G --quantity Q --unit grams|pieces --origin CC --importer USCC | --file FEED.csv) --from customs",
		Short: "Record import declarations (customs), one by flags or a whole customs feed; commissions of the goods cite them",
		Long: `Record one declaration from flags, or a customs feed with --file: a CSV whose header
names the columns number,port,date,importer,goods,gtin,hs_code,origin,quantity,unit,net_grams
(gtin or hs_code per line; unit grams or pieces, pieces with net_grams). Rows that share a
number are the lines of one declaration. Every row is checked before anything is sent; the
feed is split into txs within the chain's size and message limits and sent in order.
Declarations already on chain are skipped, so a feed that stopped half-way (a refusal, a
lost connection) is finished by running the same command again.

From rules v3 a number is customs' 18 digits, and goods commissioned before their
declaration are matched when it arrives.`,
		Args: cobra.MaximumNArgs(1),
	}, func(args []string) (proto.Message, error) {
		if len(args) != 1 {
			return nil, errors.New("give a declaration NUMBER, or --file FEED.csv")
		}
		m := proto.Clone(&d).(*types.MsgDeclare)
		m.Number, m.Importer = args[0], strings.ToUpper(m.Importer)
		u, err := parseUnit(unit)
		m.Unit = u
		return m, err
	})
	declare.Flags().StringVar(&feed, "file", "", "a customs feed (CSV) to record in bulk")
	single := declare.RunE
	declare.RunE = func(cmd *cobra.Command, args []string) error {
		if feed == "" {
			return single(cmd, args)
		}
		if len(args) > 0 {
			return errors.New("give a NUMBER or --file, not both")
		}
		return g.declareFeed(cmd, from, feed)
	}
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
		Long: `A release needs: an inspection and quarantine certificate, a negative nucleic-acid test of
the batch recorded by customs, a supervision warehouse or a regulator, a disinfection
certificate (on the batch or given here) and complete traceability facts.

From rules v3 the inspection certificate must be recorded by customs (tx supervision test
--kind inspection --certificate N --from customs; --inspection-certificate no longer counts),
the goods' customs declaration must be on chain and match them, and each release issues a
release certificate (出仓证明, RC-division-date-n) that every released code carries:
query supervision release-certificate NUMBER.`,
		Args: cobra.MinimumNArgs(1),
	}, func(args []string) (proto.Message, error) {
		return &types.MsgRelease{Codes: args, InspectionCertificate: inspection, DisinfectionCertificate: disinfection}, nil
	})
	release.Flags().StringVar(&inspection, "inspection-certificate", "", "inspection and quarantine certificate number, if the batch lacks it")
	release.Flags().StringVar(&disinfection, "disinfection-certificate", "", "disinfection certificate number, if the batch lacks it")

	var t types.MsgRecordTest
	var kind, result, docHash string
	test := sub(&cobra.Command{
		Use:   "test (--batch USCC/BATCH | CODE...) --result negative|positive --lab L --name N [--kind inspection --certificate N] --from KEY",
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
	test.Flags().StringVar(&t.Certificate, "certificate", "", "inspection and quarantine certificate number (customs; --kind inspection --result negative --batch); from rules v3 the only certificate a release accepts")

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

	var st types.MsgRecordSiteTest
	var subject string
	siteTest := sub(&cobra.Command{
		Use:   "site-test SITE-USCC --subject staff|surface|vehicle|packaging --samples N [--positives K] --lab L --date D --doc-hash H --from KEY",
		Short: "Record a people or environment test of a site (customs, a regulator over it, or the site itself; rules v3)",
		Long: `Record a test of a site's staff (nucleic-acid tests), surfaces, vehicles or packaging.
No person is named on chain: a count of samples and of positives, a lab, a date and the
report's hash. A positive result holds every code held at the site and alerts the site's
division and every division the site supplied within params.site_alert_days (default 14).`,
		Args: cobra.ExactArgs(1),
	}, func(args []string) (proto.Message, error) {
		m := proto.Clone(&st).(*types.MsgRecordSiteTest)
		m.Site = strings.ToUpper(args[0])
		v, ok := types.SiteSubject_value["SITE_SUBJECT_"+strings.ToUpper(subject)]
		if !ok || v == 0 {
			return nil, fmt.Errorf("--subject must be staff, surface, vehicle or packaging, not %q", subject)
		}
		m.Subject = types.SiteSubject(v)
		h, err := parseHex32(docHash, "document hash")
		m.DocumentHash = h
		return m, err
	})
	siteTest.Flags().StringVar(&subject, "subject", "", "staff, surface, vehicle or packaging")
	siteTest.Flags().Uint32Var(&st.Samples, "samples", 0, "people or swabs tested")
	siteTest.Flags().Uint32Var(&st.Positives, "positives", 0, "how many of them were positive")
	siteTest.Flags().StringVar(&st.Lab, "lab", "", "laboratory")
	siteTest.Flags().StringVar(&st.SampleDate, "date", "", "sampling date, YYYY-MM-DD")
	siteTest.Flags().StringVar(&docHash, "doc-hash", "", "sha256 (hex) of the lab report, kept off chain (required)")
	siteTest.Flags().StringVar(&st.Note, "note", "", "where or what was sampled; never a person's name or id")

	cmd.AddCommand(declare, enter, release, test, siteTest, hold, unhold, recall, destroy, ack)
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
	var by string
	statsPath := func(a []string) string {
		return fmt.Sprintf("/supervision/stats/%s?from=%s&to=%s&by=%s", a[0], url.QueryEscape(fromDate), url.QueryEscape(toDate), url.QueryEscape(by))
	}
	// withStats reads the verified figures of the command's jurisdiction and dates.
	withStats := func(show func(*cobra.Command, []string, *types.StatsList) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
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
			return show(cmd, args, s)
		}
	}
	stats := dates(&cobra.Command{
		Use:   "stats DIVISION [--from D] [--to D] [--by day|month]",
		Short: "The province's figures for a jurisdiction: 330000 the province, 330100 the city with its districts",
		Long: `The figures a jurisdiction reports, by China's day (or month with --by month), and their
total: imported goods declared and commissioned by origin and port, quantities entered
into, released from and destroyed at supervision warehouses, quantities blocked after a
positive test, positives of goods, staff and environment, enterprises on board by kind,
codes commissioned and scans by kind. Weights are shown in kg and t; -o json gives the
StatsList with grams. A six-digit code is its jurisdiction (330000 = 33, 330100 = 3301);
a shorter prefix works too.`,
		Args: cobra.ExactArgs(1),
		RunE: withStats(func(cmd *cobra.Command, args []string, s *types.StatsList) error {
			if g.output == "json" {
				return g.printRecord(cmd, s)
			}
			return printFigures(cmd.OutOrStdout(), args[0], s)
		}),
	})
	stats.Flags().StringVar(&by, "by", "day", "rows by day or month")
	addNodeFlag(stats, g)
	flows := dates(&cobra.Command{
		Use:   "flows DIVISION-PREFIX",
		Short: "Quantities received into a jurisdiction from outside it, by origin country and source division",
		Args:  cobra.ExactArgs(1),
		RunE: withStats(func(cmd *cobra.Command, args []string, s *types.StatsList) error {
			if g.output == "json" {
				return g.printRecord(cmd, &types.DayStats{Division: args[0], Flows: s.Total.Flows})
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ORIGIN\tFROM DIVISION\tQUANTITY")
			for _, f := range s.Total.Flows {
				fmt.Fprintf(w, "%s\t%s\t%d\n", f.OriginCountry, f.SourceDivision, f.Quantity)
			}
			return w.Flush()
		}),
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
		stats,
		flows,
		q("declaration NUMBER", "A customs declaration and how much has been commissioned against it",
			func(a []string) string { return "/supervision/declaration/" + url.PathEscape(a[0]) },
			func() proto.Message { return &types.Declaration{} }),
		q("release-certificate NUMBER", "A release certificate (出仓证明): the codes a supervision warehouse released and the evidence",
			func(a []string) string { return "/supervision/release-certificate/" + url.PathEscape(a[0]) },
			func() proto.Message { return &types.ReleaseCertificate{} }),
		q("site-test ID", "A people or environment test of a site",
			func(a []string) string { return "/supervision/site-test/" + a[0] },
			func() proto.Message { return &types.SiteTest{} }),
	)
	return cmd
}
