package console

import (
	"context"
	"net/http"
	"net/url"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

// A code lies in a jurisdiction when its goods were there: a step of its
// backward trace (commissioning, every receipt up to each holder) or of its
// forward trace (where its quantities went) names a division of the
// jurisdiction. A batch lies in it when its commissioner does or when its
// forward trace reaches it. Anything else is refused with 403, however the
// request names it.

// touches reports whether a trace reaches the jurisdiction.
func touches(id Identity, traces ...*types.Trace) bool {
	for _, t := range traces {
		if t == nil {
			continue
		}
		for _, st := range t.Steps {
			if id.In(st.ToDivision) {
				return true
			}
		}
	}
	return false
}

func outside(what string, id Identity) *web.Failure {
	return &web.Failure{Status: http.StatusForbidden, Kind: "outside", Detail: what + " is outside the jurisdiction " + id.Prefix}
}

// codeIn reads a code's traces, verified, and says whether it lies in the
// jurisdiction.
func (s *Console) codeIn(ctx context.Context, id Identity, canon string) (bool, error) {
	bwd, fwd := &types.Trace{}, &types.Trace{}
	err := web.Parallel(func() error {
		v, err := s.v.Query(ctx, "/trace/backward?code="+url.QueryEscape(canon), bwd)
		return wrapQ(v, err)
	}, func() error {
		v, err := s.v.Query(ctx, "/trace/forward?code="+url.QueryEscape(canon), fwd)
		return wrapQ(v, err)
	})
	if err != nil {
		return false, err
	}
	return touches(id, bwd, fwd), nil
}

// maxReportCodes bounds the codes whose jurisdiction one reports page checks.
const maxReportCodes = 50

// reportsIn are the newest consumer reports about codes of the
// jurisdiction, among those about the newest maxReportCodes codes.
func (s *Console) reportsIn(ctx context.Context, id Identity) []web.Report {
	all := s.reports.Newest(500)
	var codes []string
	seen := map[string]bool{}
	for _, rp := range all {
		if !seen[rp.Code] && len(codes) < maxReportCodes {
			seen[rp.Code] = true
			codes = append(codes, rp.Code)
		}
	}
	in := make([]bool, len(codes))
	var fns []func() error
	for i, c := range codes {
		fns = append(fns, func() error {
			code, err := types.ParseCode(c)
			if err == nil {
				in[i], _ = s.codeIn(ctx, id, code.String())
			}
			return nil
		})
	}
	_ = web.Parallel(fns...)
	ok := map[string]bool{}
	for i, c := range codes {
		ok[c] = in[i]
	}
	var out []web.Report
	for _, rp := range all {
		if ok[rp.Code] {
			out = append(out, rp)
		}
	}
	return out
}

// inside keeps the steps of a forward trace that end in the jurisdiction:
// where goods went after leaving it is the business of the regulators
// there. (A backward trace is shown whole: where goods in the jurisdiction
// came from is what their regulator checks.)
func inside(id Identity, t *types.Trace) *types.Trace {
	out := &types.Trace{}
	for _, st := range t.Steps {
		if id.In(st.ToDivision) {
			out.Steps = append(out.Steps, st)
		}
	}
	return out
}
