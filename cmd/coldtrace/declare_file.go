package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/types"
)

// declarationColumns are the columns of a customs feed, in any order, named
// in its header row; a declaration with several lines repeats its number,
// port, date and importer on each.
var declarationColumns = []string{"number", "port", "date", "importer", "goods", "gtin", "hs_code", "origin", "quantity", "unit", "net_grams"}

// maxFeedRows bounds a feed file: split larger feeds.
const maxFeedRows = 100_000

// parseDeclarationsCSV reads a customs feed into declarations, one per
// number, in the order numbers first appear. Each row is checked as the
// chain will check it, so a bad row is named by its line before anything is
// sent.
func parseDeclarationsCSV(r io.Reader) ([]*types.MsgDeclare, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("customs feed: header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("customs feed: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, c := range []string{"number", "port", "date", "importer", "goods", "origin", "quantity"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("customs feed: the header has no %q column (columns: %s)", c, strings.Join(declarationColumns, ","))
		}
	}
	var out []*types.MsgDeclare
	byNumber := map[string]*types.MsgDeclare{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("customs feed: %w", err)
		}
		if line > maxFeedRows+1 {
			return nil, fmt.Errorf("customs feed: more than %d rows; split the file", maxFeedRows)
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		l := &types.DeclarationLine{Goods: get("goods"), Gtin: get("gtin"), HsCode: get("hs_code"), OriginCountry: strings.ToUpper(get("origin"))}
		if l.Quantity, err = strconv.ParseUint(get("quantity"), 10, 64); err != nil {
			return nil, fmt.Errorf("customs feed line %d: quantity %q is not a whole number", line, get("quantity"))
		}
		unit := get("unit")
		if unit == "" {
			unit = "grams"
		}
		if l.Unit, err = parseUnit(unit); err != nil {
			return nil, fmt.Errorf("customs feed line %d: %w", line, err)
		}
		if ng := get("net_grams"); ng != "" {
			if l.NetGrams, err = strconv.ParseUint(ng, 10, 64); err != nil {
				return nil, fmt.Errorf("customs feed line %d: net_grams %q is not a whole number", line, ng)
			}
		}
		number := get("number")
		d, ok := byNumber[number]
		if !ok {
			d = &types.MsgDeclare{Number: number, Port: get("port"), Date: get("date"), Importer: strings.ToUpper(get("importer"))}
			byNumber[number] = d
			out = append(out, d)
		} else if d.Port != get("port") || d.Date != get("date") || d.Importer != strings.ToUpper(get("importer")) {
			return nil, fmt.Errorf("customs feed line %d: declaration %s has another port, date or importer on an earlier line", line, number)
		}
		d.Lines = append(d.Lines, l)
		if err := d.ValidateBasic(); err != nil {
			return nil, fmt.Errorf("customs feed line %d (declaration %s): %v", line, number, err)
		}
		if err := types.ValidateDeclarationNumber("number", number); err != nil {
			return nil, fmt.Errorf("customs feed line %d: %v", line, err)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("customs feed: no rows after the header")
	}
	return out, nil
}

// packDeclarations splits declarations into txs of at most maxMsgs
// messages whose encoding stays under maxBytes (with room for the tx's
// envelope and signature).
func packDeclarations(ds []*types.MsgDeclare, maxBytes, maxMsgs int) ([][]proto.Message, error) {
	const envelope = 256
	var out [][]proto.Message
	var cur []proto.Message
	size := envelope
	for _, d := range ds {
		n := proto.Size(types.WrapMsg(d)) + 8
		if n+envelope > maxBytes {
			return nil, fmt.Errorf("declaration %s alone is %d bytes, over the chain's %d-byte tx limit; split its lines", d.Number, n, maxBytes)
		}
		if len(cur) == maxMsgs || size+n > maxBytes {
			out = append(out, cur)
			cur, size = nil, envelope
		}
		cur = append(cur, d)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

// declareFeed records a customs feed: checked whole, declarations already
// on chain skipped, the rest sent in txs within the chain's limits.
func (g *globals) declareFeed(cmd *cobra.Command, from, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ds, err := parseDeclarationsCSV(f)
	if err != nil {
		return err
	}
	key, err := g.accountKey(from)
	if err != nil {
		return err
	}
	c, err := g.dial()
	if err != nil {
		return err
	}
	params := &types.Params{}
	if _, err := c.QueryInto(cmd.Context(), "/params", params); err != nil {
		return err
	}
	var todo []*types.MsgDeclare
	for _, d := range ds {
		_, err := c.QueryInto(cmd.Context(), "/supervision/declaration/"+url.PathEscape(d.Number), &types.Declaration{})
		switch {
		case err == nil:
			fmt.Fprintf(cmd.OutOrStdout(), "declaration %s is already on chain: skipped\n", d.Number)
		case errors.Is(err, types.ErrNotFound):
			todo = append(todo, d)
		default:
			return err
		}
	}
	txs, err := packDeclarations(todo, int(params.MaxTxBytes), int(params.MaxMsgsPerTx))
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d declaration(s) in the feed, %d to record in %d tx(s)\n", len(ds), len(todo), len(txs))
	for i, msgs := range txs {
		res, err := c.SignerFor(key).Send(cmd.Context(), msgs...)
		if err := g.report(cmd, res, err); err != nil {
			return fmt.Errorf("tx %d of %d: %w (run the same command again to record the rest)", i+1, len(txs), err)
		}
	}
	return nil
}
