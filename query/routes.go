package query

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/coldtrace/coldtrace/state"
	"github.com/coldtrace/coldtrace/types"
)

// request is one query as a handler sees it: the state it reads, the
// height it answers for, the path's last segment when the route takes one,
// and the query string.
type request struct {
	kv     state.KV
	st     *state.State
	height int64
	arg    string
	q      url.Values
}

// Route is one query path: Path alone, or Path followed by one segment
// (Arg names it). Query and Answer describe it for people (the query table
// in docs/ARCHITECTURE.md is checked against Routes).
type Route struct {
	Path   string // "/trace/code"
	Arg    string // "" when the path takes no segment after it, else e.g. "{uscc}"
	Query  string // the query string it reads, e.g. "?code=C"
	Answer string // what it answers with, e.g. "CodeRecord (provable)"
	handle func(*request) (*abci.ResponseQuery, error)
}

// Routes lists every query path in the order registered.
var Routes []*Route

var routes = map[string]*Route{}

func routeKey(path string, withArg bool) string {
	if withArg {
		return path + "/*"
	}
	return path
}

// register adds a route; a path registered twice stops the program at start.
func register(r *Route) {
	k := routeKey(r.Path, r.Arg != "")
	if _, dup := routes[k]; dup {
		panic(fmt.Sprintf("query: two routes for %s %s", r.Path, r.Arg))
	}
	routes[k] = r
	Routes = append(Routes, r)
}

// Answer computes the answer to a query path from kv alone: the node runs it
// over a saved version, a client over the keys a node proved.
func Answer(kv state.KV, height int64, path string) (*abci.ResponseQuery, error) {
	u, err := url.Parse(path)
	if err != nil {
		return nil, types.ErrBadQuery.Wrapf("path %q: %v", path, err)
	}
	p := "/" + strings.Trim(u.Path, "/")
	req := &request{kv: kv, st: state.New(kv), height: height, q: u.Query()}
	if r, ok := routes[routeKey(p, false)]; ok {
		return r.handle(req)
	}
	if i := strings.LastIndexByte(p, '/'); i > 0 && i < len(p)-1 {
		if r, ok := routes[routeKey(p[:i], true)]; ok {
			req.arg = p[i+1:]
			return r.handle(req)
		}
	}
	return nil, types.ErrUnknownQuery.Wrapf("no query path %q (docs/ARCHITECTURE.md lists them)", path)
}

// record answers a single-record path from the key keyOf makes of the
// request; what names the record in a not-found refusal, followed by the
// path's segment or by the query-string value named after what ("code=C").
func record(what string, keyOf func(*request) ([]byte, error)) func(*request) (*abci.ResponseQuery, error) {
	return func(r *request) (*abci.ResponseQuery, error) {
		k, err := keyOf(r)
		if err != nil {
			return nil, err
		}
		name := what
		if r.arg != "" {
			name += " " + r.arg
		} else if v := r.q.Get(what); v != "" {
			name += " " + v
		} else if v := r.q.Get("id"); v != "" {
			name += " " + v
		}
		return recordAt(r.kv, r.height, k, name)
	}
}

func hexKey(what string, make func([]byte) []byte) func(*request) ([]byte, error) {
	return func(r *request) ([]byte, error) {
		b, err := hex.DecodeString(r.arg)
		if err != nil || len(b) != 32 {
			return nil, types.ErrBadQuery.Wrapf("%s %q is not 64 hex characters", what, r.arg)
		}
		return make(b), nil
	}
}

func codeArg(r *request) (string, error) {
	c, err := types.CanonicalCodeInput("code", r.q.Get("code"))
	if err != nil {
		return "", types.ErrBadQuery.Wrapf("%v", err)
	}
	return c, nil
}

func prefixArg(r *request) (string, error) {
	if err := types.ValidDivisionPrefix(r.arg); err != nil {
		return "", types.ErrBadQuery.Wrapf("%v", err)
	}
	return r.arg, nil
}

func idArg(r *request) (uint64, error) {
	id, err := strconv.ParseUint(r.arg, 10, 64)
	if err != nil {
		return 0, types.ErrBadQuery.Wrapf("%q is not an id", r.arg)
	}
	return id, nil
}

func init() {
	for _, r := range []*Route{
		{Path: "/registry/regulator", Arg: "{division}", Answer: "Regulator (provable)",
			handle: record("regulator", func(r *request) ([]byte, error) { return state.RegulatorKey(r.arg), nil })},
		{Path: "/registry/enterprise", Arg: "{uscc}", Answer: "Enterprise (provable)",
			handle: record("enterprise", func(r *request) ([]byte, error) { return state.EnterpriseKey(r.arg), nil })},
		{Path: "/registry/account", Arg: "{public key, hex}", Answer: "Account (provable)",
			handle: record("account", func(r *request) ([]byte, error) {
				b, err := hex.DecodeString(r.arg)
				if err != nil || types.ValidateAccountKey("key", b) != nil {
					return nil, types.ErrBadQuery.Wrapf("account key %q is not 64 hex characters (ed25519) or 130 (SM2)", r.arg)
				}
				return state.AccountKey(b), nil
			})},
		{Path: "/registry/enterprises", Arg: "{division prefix}", Query: "?after={division/uscc}&limit={1..100}", Answer: "EnterprisesPage",
			handle: func(r *request) (*abci.ResponseQuery, error) { return queryEnterprises(r.st, r.height, r.arg, r.q) }},
		{Path: "/registry/keys/regulator", Arg: "{division}", Answer: "KeysPage",
			handle: func(r *request) (*abci.ResponseQuery, error) { return queryKeys(r.st, r.height, "regulator", r.arg) }},
		{Path: "/registry/keys/enterprise", Arg: "{uscc}", Answer: "KeysPage",
			handle: func(r *request) (*abci.ResponseQuery, error) { return queryKeys(r.st, r.height, "enterprise", r.arg) }},

		{Path: "/trace/code", Query: "?code=C", Answer: "CodeRecord (provable)",
			handle: record("code", func(r *request) ([]byte, error) {
				c, err := codeArg(r)
				return state.CodeKey(c), err
			})},
		{Path: "/trace/origin", Query: "?code=ORIGIN", Answer: "CodeRecord (provable): this chain's code for goods that came with a code of another province",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				origin := r.q.Get("code")
				if origin == "" || len(origin) > 200 {
					return nil, types.ErrBadQuery.Wrapf("give ?code= the code the goods carried in the province they came from")
				}
				code, err := r.st.OriginCode(origin)
				if err != nil {
					return nil, err
				}
				if code == "" {
					return &abci.ResponseQuery{Key: state.OriginCodeKey(origin), Height: r.height}, types.ErrNotFound.Wrapf("no code of this chain came with origin code %q (height %d)", origin, r.height)
				}
				return recordAt(r.kv, r.height, state.CodeKey(code), "code "+code)
			}},
		{Path: "/trace/history", Query: "?code=C&from=N&limit=L", Answer: "HistoryPage (record and events)",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				c, err := codeArg(r)
				if err != nil {
					return nil, err
				}
				return queryHistory(r.st, r.height, c, r.q)
			}},
		{Path: "/trace/event", Arg: "{hash, hex}", Answer: "Event (provable)",
			handle: record("event", hexKey("event hash", state.EventKey))},
		{Path: "/trace/batch", Query: "?id=USCC/BATCH", Answer: "Batch (provable)",
			handle: record("batch", func(r *request) ([]byte, error) { return state.BatchKey(r.q.Get("id")), nil })},
		{Path: "/trace/batch-codes", Query: "?id=USCC/BATCH&after=C&limit=L", Answer: "CodeList",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				id := r.q.Get("id")
				return listCodes(r.st, r.height, state.BatchCodePrefix(id), r.q, func(k []byte) []byte { return state.BatchCodeKey(id, string(k)) })
			}},
		{Path: "/trace/holdings", Arg: "{uscc}", Query: "?after=C&limit=L", Answer: "CodeList (codes the enterprise holds)",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				if err := types.ValidateUSCC(r.arg); err != nil {
					return nil, types.ErrBadQuery.Wrapf("%v", err)
				}
				return listCodes(r.st, r.height, state.HoldingPrefix(r.arg), r.q, func(k []byte) []byte { return state.HoldingKey(r.arg, string(k)) })
			}},
		{Path: "/trace/consignment", Arg: "{id, hex}", Answer: "Consignment (provable)",
			handle: record("consignment", hexKey("consignment id", state.ConsignmentKey))},
		{Path: "/trace/inbound", Arg: "{uscc}", Answer: "ConsignmentList (open consignments to a buyer)",
			handle: func(r *request) (*abci.ResponseQuery, error) { return queryInbound(r.st, r.height, r.arg) }},
		{Path: "/trace/forward", Query: "?batch=ID | ?code=C", Answer: "Trace: everyone who received any of it",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				t, err := forwardTrace(r.st, r.q)
				if err != nil {
					return nil, err
				}
				return encode(r.height, t)
			}},
		{Path: "/trace/backward", Query: "?code=C", Answer: "Trace: the chain of custody back to commissioning",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				c, err := codeArg(r)
				if err != nil {
					return nil, err
				}
				t, err := backwardTrace(r.st, c)
				if err != nil {
					return nil, err
				}
				return encode(r.height, t)
			}},

		{Path: "/supervision/alerts", Arg: "{division prefix}", Query: "?after=DIVISION/ID&limit=L", Answer: "AlertList (open alerts, by division then id)",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				p, err := prefixArg(r)
				if err != nil {
					return nil, err
				}
				return queryAlerts(r.st, r.height, p, r.q)
			}},
		{Path: "/supervision/alert", Arg: "{id}", Answer: "Alert (provable)",
			handle: record("alert", func(r *request) ([]byte, error) {
				id, err := idArg(r)
				return state.AlertKey(id), err
			})},
		{Path: "/supervision/holds", Arg: "{division prefix}", Query: "?after=DIVISION/CODE&limit=L", Answer: "CodeList of DIVISION/CODE (held goods by holder division)",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				p, err := prefixArg(r)
				if err != nil {
					return nil, err
				}
				return queryHolds(r.st, r.height, p, r.q)
			}},
		{Path: "/supervision/recall", Arg: "{id}", Answer: "Recall (provable)",
			handle: record("recall", func(r *request) ([]byte, error) {
				id, err := idArg(r)
				return state.RecallKey(id), err
			})},
		{Path: "/supervision/recalls", Query: "?batch=USCC/BATCH", Answer: "RecallList",
			handle: func(r *request) (*abci.ResponseQuery, error) { return queryRecalls(r.st, r.height, r.q.Get("batch")) }},
		{Path: "/supervision/stats", Arg: "{division or prefix}", Query: "?from=DATE&to=DATE&by=day|month", Answer: "StatsList (rows by division and day or month, and the total; flows included)",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				p, err := prefixArg(r)
				if err != nil {
					return nil, err
				}
				if d, err := types.ParseDivision(p); err == nil {
					p = d.Prefix() // 330000 is the province, 330100 the city with its districts
				}
				return queryStats(r.st, r.height, p, r.q.Get("from"), r.q.Get("to"), r.q.Get("by"))
			}},
		{Path: "/supervision/declaration", Arg: "{number}", Answer: "Declaration (provable)",
			handle: record("declaration", func(r *request) ([]byte, error) { return state.DeclarationKey(r.arg), nil })},
		{Path: "/supervision/release-certificate", Arg: "{number}", Answer: "ReleaseCertificate (provable), from rules v3",
			handle: record("release certificate", func(r *request) ([]byte, error) { return state.ReleaseCertificateKey(r.arg), nil })},
		{Path: "/supervision/site-test", Arg: "{id}", Answer: "SiteTest (provable), from rules v3",
			handle: record("site test", func(r *request) ([]byte, error) {
				id, err := idArg(r)
				return state.SiteTestKey(id), err
			})},
		{Path: "/supervision/customs", Answer: "Customs (provable)",
			handle: record("customs", func(*request) ([]byte, error) { return state.CustomsKey(), nil })},

		{Path: "/validators", Answer: "ValidatorList (the set, by consensus key)",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				set, err := r.st.Validators()
				if err != nil {
					return nil, err
				}
				return encode(r.height, &types.ValidatorList{Validators: set})
			}},
		{Path: "/validators", Arg: "{consensus key, hex}", Answer: "Validator (provable)",
			handle: record("validator", hexKey("validator key", state.ValidatorKey))},
		{Path: "/params", Answer: "Params (provable)",
			handle: record("params", func(*request) ([]byte, error) { return state.ParamsKey(), nil })},
		{Path: "/rules", Answer: "Rules (the version in force and the upgrades scheduled; v1 when none is recorded)",
			handle: func(r *request) (*abci.ResponseQuery, error) {
				rules, err := r.st.Rules()
				if err != nil {
					return nil, err
				}
				return encode(r.height, rules)
			}},
	} {
		register(r)
	}
}
