package node

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/coldtrace/coldtrace/types"
)

// observedApp wraps the ABCI application to log every refused tx with its
// hash and code, and to count what the operations metrics need from the
// answers (events, alerts, query times). It changes no answer.
type observedApp struct {
	abci.Application
	logger log.Logger
	m      *opsMetrics
}

func txHash(tx []byte) string {
	h := sha256.Sum256(tx)
	return fmt.Sprintf("%X", h[:])
}

func errorName(code uint32) string {
	if e := types.ErrorByCode(code); e != nil {
		return e.Name
	}
	return "unknown"
}

func (o *observedApp) CheckTx(ctx context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	res, err := o.Application.CheckTx(ctx, req)
	if err == nil && res != nil && res.Code != 0 {
		o.logger.Info("tx refused", "stage", "check", "tx", txHash(req.Tx), "code", res.Code,
			"error", errorName(res.Code), "recheck", req.Type == abci.CheckTxType_Recheck, "log", res.Log)
	}
	return res, err
}

func (o *observedApp) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	res, err := o.Application.FinalizeBlock(ctx, req)
	if err != nil || res == nil {
		return res, err
	}
	events := len(res.Events)
	o.countAlerts(res.Events)
	for i, r := range res.TxResults {
		if r == nil {
			continue
		}
		events += len(r.Events)
		o.countAlerts(r.Events)
		if r.Code != 0 && i < len(req.Txs) {
			o.logger.Info("tx refused", "stage", "block", "height", req.Height, "tx", txHash(req.Txs[i]),
				"code", r.Code, "error", errorName(r.Code), "log", r.Log)
		}
	}
	o.m.blockEvents.Observe(float64(events))
	return res, nil
}

func (o *observedApp) countAlerts(evs []abci.Event) {
	for _, e := range evs {
		if e.Type != "alert" {
			continue
		}
		kind := "unknown"
		for _, a := range e.Attributes {
			if a.Key == "kind" {
				kind = a.Value
			}
		}
		o.m.alerts.WithLabelValues(kind).Inc()
	}
}

func (o *observedApp) Query(ctx context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	start := time.Now()
	res, err := o.Application.Query(ctx, req)
	o.m.query.WithLabelValues(queryFamily(req.Path)).Observe(time.Since(start).Seconds())
	return res, err
}

// queryFamily keeps a path's first segment and its second when that is a
// word (/trace/code, /registry/enterprise, /validators): the rest names
// records, and a label per record would grow without bound.
func queryFamily(path string) string {
	if q := strings.IndexByte(path, '?'); q >= 0 {
		path = path[:q]
	}
	parts := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
	fam := ""
	for i, p := range parts {
		if i == 2 || p == "" || len(p) > 24 || strings.ContainsFunc(p, func(r rune) bool { return (r < 'a' || r > 'z') && r != '-' && r != '_' }) {
			break
		}
		fam += "/" + p
	}
	if fam == "" {
		return "other"
	}
	return fam
}
