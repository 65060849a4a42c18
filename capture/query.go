package capture

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/export"
	"github.com/coldtrace/coldtrace/types"
)

// Reader answers a query path with a verified answer decoded into m: a
// proven record, or a list the caller may trust as the gateway does. A
// verified absence is an error matching types.ErrNotFound.
type Reader interface {
	Query(ctx context.Context, path string, m proto.Message) error
}

// QueryConfig sets up the query interface.
type QueryConfig struct {
	Reader          Reader
	ChainID         func(ctx context.Context) (string, error)
	DigitalLinkBase string // export.DefaultDigitalLinkBase when empty
	// MaxCodes bounds the codes one query reads (a batch's codes for
	// MATCH_epcClass); default DefaultMaxCodes.
	MaxCodes int
}

// DefaultMaxCodes is how many codes one query may read.
const DefaultMaxCodes = 200

// Paging of query results.
const (
	DefaultPerPage = 30
	MaxPerPage     = 200
)

// QueryHandler serves GET /epcis/events and GET /epcis/epcs/{epc}/events
// from verified chain data, as EPCISQueryDocuments.
func QueryHandler(cfg QueryConfig) http.Handler {
	if cfg.MaxCodes <= 0 {
		cfg.MaxCodes = DefaultMaxCodes
	}
	q := &querier{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /epcis/events", q.events)
	mux.HandleFunc("GET /epcis/epcs/", q.epcEvents)
	mux.HandleFunc("/epcis/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "epcisException:NoSuchResourceException", "Resource not found",
			"the query interface serves GET /epcis/events and GET /epcis/epcs/{epc}/events")
	})
	return mux
}

type querier struct{ cfg QueryConfig }

// queryProblem is a 400 of the query interface.
type queryProblem struct{ typ, detail string }

func (p *queryProblem) Error() string { return p.detail }

func badParam(format string, args ...any) error {
	return &queryProblem{"epcisException:QueryParameterException", fmt.Sprintf(format, args...)}
}

// unanchored explains why a query needs a code or batch.
const unanchored = "the chain keeps each code's history, not an index of every event: a query must name the codes it is about, with MATCH_epc or MATCH_anyEPC (codes as GS1 Digital Link URIs) or MATCH_epcClass (a lot: a GTIN and lot code that is on chain, or {base}/lot/{USCC}/{batch}); EQ_bizStep, EQ_disposition, EQ_bizLocation, eventType and the eventTime bounds then filter their events"

func (q *querier) epcEvents(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), "/epcis/epcs/")
	raw, ok := strings.CutSuffix(rest, "/events")
	epc, err := url.PathUnescape(raw)
	if !ok || err != nil || epc == "" {
		writeProblem(w, http.StatusNotFound, "epcisException:NoSuchResourceException", "Resource not found", "use /epcis/epcs/{epc, URL-encoded}/events")
		return
	}
	v := r.URL.Query()
	v.Set("MATCH_anyEPC", epc)
	q.answer(w, r, v, r.URL.Path)
}

func (q *querier) events(w http.ResponseWriter, r *http.Request) {
	q.answer(w, r, r.URL.Query(), "/epcis/events")
}

// answer runs a query: anchors, histories, export, filters, one page.
func (q *querier) answer(w http.ResponseWriter, r *http.Request, v url.Values, self string) {
	f, err := parseFilter(v)
	var codes []string
	if err == nil {
		codes, err = q.anchors(r.Context(), f)
	}
	var events []map[string]any
	var missing []string
	if err == nil {
		events, missing, err = q.run(r.Context(), codes)
	}
	if err == nil && self != "/epcis/events" && len(missing) > 0 {
		err = fmt.Errorf("%w: no code %s is on chain (a verified absence)", types.ErrNotFound, missing[0])
	}
	if err != nil {
		var p *queryProblem
		switch {
		case errors.As(err, &p):
			writeProblem(w, http.StatusBadRequest, p.typ, "Query parameter problem", p.detail)
		case errors.Is(err, types.ErrNotFound):
			writeProblem(w, http.StatusNotFound, "epcisException:NoSuchResourceException", "Resource not found", err.Error())
		default:
			writeProblem(w, http.StatusBadGateway, "epcisException:ImplementationException", "Chain data unavailable or unverifiable", err.Error())
		}
		return
	}
	var kept []map[string]any
	for _, ev := range events {
		if f.match(ev) {
			kept = append(kept, ev)
		}
	}
	from := f.offset
	if from > len(kept) {
		from = len(kept)
	}
	to := min(from+f.perPage, len(kept))
	page := kept[from:to]
	if page == nil {
		page = []map[string]any{}
	}
	if to < len(kept) {
		next := url.Values{}
		for k, vs := range v {
			if k != "nextPageToken" {
				next[k] = vs
			}
		}
		next.Set("nextPageToken", strconv.Itoa(to))
		w.Header().Set("Link", fmt.Sprintf("<%s?%s>; rel=\"next\"", self, next.Encode()))
	}
	doc := map[string]any{
		"@context":      []any{export.EPCISContext, map[string]string{"ct": export.ExtensionNamespace}},
		"type":          "EPCISQueryDocument",
		"schemaVersion": "2.0",
		"creationDate":  time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"epcisBody": map[string]any{"queryResults": map[string]any{
			"queryName":   "SimpleEventQuery",
			"resultsBody": map[string]any{"eventList": page},
		}},
	}
	versionHeaders(w)
	w.Header().Set("Content-Type", "application/ld+json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(doc)
}

// anchors are the codes a query reads: those MATCH_epc and MATCH_anyEPC
// name, and every code of the lots MATCH_epcClass names.
func (q *querier) anchors(ctx context.Context, f *filter) ([]string, error) {
	seen := map[string]bool{}
	var codes []string
	add := func(c string) error {
		if !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
		if len(codes) > q.cfg.MaxCodes {
			return badParam("the query reaches more than %d codes: name fewer codes or lots", q.cfg.MaxCodes)
		}
		return nil
	}
	for _, c := range append(append([]string{}, f.epc...), f.anyEPC...) {
		if err := add(c); err != nil {
			return nil, err
		}
	}
	for _, cls := range f.classes {
		batch, err := q.batchOf(ctx, cls)
		if err != nil {
			return nil, err
		}
		after := ""
		for {
			l := &types.CodeList{}
			if err := q.cfg.Reader.Query(ctx, "/trace/batch-codes?limit=100&id="+url.QueryEscape(batch)+"&after="+url.QueryEscape(after), l); err != nil {
				return nil, err
			}
			for _, c := range l.Codes {
				if err := add(c); err != nil {
					return nil, err
				}
			}
			if l.Next == "" {
				break
			}
			after = l.Next
		}
	}
	if len(codes) == 0 {
		return nil, &queryProblem{"epcisException:QueryTooComplexException", unanchored}
	}
	return codes, nil
}

// batchOf is the batch (USCC/BATCH) of a lot class.
func (q *querier) batchOf(ctx context.Context, cls string) (string, error) {
	base := strings.TrimRight(baseOr(q.cfg.DigitalLinkBase), "/") + "/lot/"
	if rest, ok := strings.CutPrefix(cls, base); ok {
		uscc, batch, ok := strings.Cut(rest, "/")
		b, err := url.PathUnescape(batch)
		if !ok || err != nil || types.ValidateUSCC(uscc) != nil {
			return "", badParam("MATCH_epcClass %s: a native lot is %s{USCC}/{batch}", cls, base)
		}
		return uscc + "/" + b, nil
	}
	canon, err := export.EPCCode(cls)
	var c types.Code
	if err == nil {
		c, err = types.ParseCode(canon)
	}
	if err != nil || c.Kind != types.CodeGTIN || c.Serial != "" || c.Batch == "" {
		return "", badParam("MATCH_epcClass %s: give a lot class, a GTIN and lot as a Digital Link URI, or %s{USCC}/{batch}", cls, base)
	}
	rec := &types.CodeRecord{}
	if err := q.cfg.Reader.Query(ctx, "/trace/code?code="+url.QueryEscape(c.String()), rec); err != nil {
		if errors.Is(err, types.ErrNotFound) {
			return "", badParam("MATCH_epcClass %s: the chain finds a lot by a code of it, and no code %s is on chain (the chain keeps no index of GTINs and lots: name a serialised code with MATCH_epc, or the lot as %s{USCC}/{batch})", cls, c.String(), base)
		}
		return "", err
	}
	return rec.BatchId, nil
}

// run reads the histories of the codes and exports their events; missing
// are the codes the chain proves it does not have (they have no events).
func (q *querier) run(ctx context.Context, codes []string) (events []map[string]any, missing []string, err error) {
	g := &gatherer{rd: q.cfg.Reader, ents: map[string]*types.Enterprise{}, cons: map[string]*types.Consignment{}, seen: map[string]bool{}, got: map[string]bool{}, max: q.cfg.MaxCodes}
	for _, c := range codes {
		var none *noCode
		if err := g.code(ctx, c); errors.As(err, &none) && none.code == canonical(c) {
			missing = append(missing, c)
		} else if err != nil {
			return nil, nil, err
		}
	}
	chainID, err := q.cfg.ChainID(ctx)
	if err != nil {
		return nil, nil, err
	}
	doc, err := export.EPCIS(g.out, export.Options{DigitalLinkBase: q.cfg.DigitalLinkBase, ChainID: chainID})
	if err != nil {
		return nil, nil, err
	}
	d, err := export.ReadDocument(doc)
	if err != nil {
		return nil, nil, err
	}
	return d.Events, missing, nil
}

// gatherer collects what export.EPCIS needs of codes: each code's record,
// batch (with its own tests), events, and the parties, consignments and
// logistic units they name.
type gatherer struct {
	rd   Reader
	ents map[string]*types.Enterprise
	cons map[string]*types.Consignment
	seen map[string]bool
	got  map[string]bool
	out  []export.History
	max  int
}

// noCode is a verified absence of a code's history.
type noCode struct {
	code string
	err  error
}

func (e *noCode) Error() string { return e.err.Error() }
func (e *noCode) Unwrap() error { return e.err }

func (g *gatherer) code(ctx context.Context, code string) error {
	c, err := types.ParseCode(code)
	if err != nil {
		return badParam("%s: %v", code, err)
	}
	code = c.String()
	if g.seen[code] {
		return nil
	}
	if len(g.seen) >= 4*g.max {
		return badParam("the query reaches more than %d codes with their logistic units", 4*g.max)
	}
	g.seen[code] = true
	h := export.History{Enterprises: g.ents, Consignments: g.cons}
	var events []*types.Event
	for from := uint64(0); ; {
		page := &types.HistoryPage{}
		if err := g.rd.Query(ctx, fmt.Sprintf("/trace/history?limit=1000&from=%d&code=%s", from, url.QueryEscape(code)), page); err != nil {
			if errors.Is(err, types.ErrNotFound) {
				return &noCode{code, err}
			}
			return fmt.Errorf("history of %s: %w", code, err)
		}
		h.Code = page.Code
		events = append(events, page.Events...)
		if page.Next == 0 || page.Next <= from {
			break
		}
		from = page.Next
	}
	if h.Code.BatchId != "" {
		h.Batch = &types.Batch{}
		if err := g.rd.Query(ctx, "/trace/batch?id="+url.QueryEscape(h.Code.BatchId), h.Batch); err != nil {
			return err
		}
		for _, hash := range h.Batch.TestEvents {
			key := hex.EncodeToString(hash)
			if g.got[key] {
				continue
			}
			g.got[key] = true
			e := &types.Event{}
			if err := g.rd.Query(ctx, "/trace/event/"+key, e); err != nil {
				return err
			}
			events = append(events, e)
		}
	}
	var units []string
	for _, e := range events {
		hash, err := export.EventHash(e)
		if err != nil {
			return err
		}
		h.Events, h.EventHashes = append(h.Events, e), append(h.EventHashes, hash)
		if err := g.enterprise(ctx, e.Actor); err != nil {
			return err
		}
		if len(e.Consignment) == 32 {
			if err := g.consignment(ctx, e.Consignment); err != nil {
				return err
			}
		}
		if inner, err := e.Msg.Inner(); err == nil {
			if m, ok := inner.(*types.MsgAggregate); ok {
				u, err := types.ParseTxCode(m.Unit)
				switch {
				case err != nil:
				case u.String() != code:
					units = append(units, u.String())
				default:
					// A unit's contents: their histories say in what unit
					// they are counted, so the unit's events name them right.
					for _, it := range m.Items {
						if c, err := types.ParseTxCode(it.Code); err == nil {
							units = append(units, c.String())
						}
					}
				}
			}
		}
	}
	g.out = append(g.out, h)
	for _, u := range units {
		if err := g.code(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

func (g *gatherer) enterprise(ctx context.Context, uscc string) error {
	if len(uscc) != 18 || g.ents[uscc] != nil {
		return nil
	}
	e := &types.Enterprise{}
	if err := g.rd.Query(ctx, "/registry/enterprise/"+uscc, e); err != nil {
		return err
	}
	g.ents[uscc] = e
	return nil
}

func (g *gatherer) consignment(ctx context.Context, id []byte) error {
	key := hex.EncodeToString(id)
	if g.cons[key] != nil {
		return nil
	}
	con := &types.Consignment{}
	if err := g.rd.Query(ctx, "/trace/consignment/"+key, con); err != nil {
		return err
	}
	g.cons[key] = con
	for _, u := range []string{con.Sender, con.Buyer, con.Carrier} {
		if err := g.enterprise(ctx, u); err != nil {
			return err
		}
	}
	return nil
}
