package gateway

import (
	"context"
	"net/http"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/capture"
)

// epcisRoutes serves the EPCIS 2.0 query interface (GET /epcis/events,
// GET /epcis/epcs/{epc}/events) from the gateway's verified queries.
func (s *Server) epcisRoutes(mux *http.ServeMux) {
	mux.Handle("GET /epcis/", capture.QueryHandler(capture.QueryConfig{Reader: epcisReader{s.v}, ChainID: s.v.c.ChainID}))
}

// epcisReader reads through the gateway's verifier; an empty list is taken
// as the console takes it.
type epcisReader struct{ v *verifier }

func (r epcisReader) Query(ctx context.Context, path string, m proto.Message) error {
	if !capture.ListPath(path) {
		_, err := r.v.query(ctx, path, m)
		return err
	}
	_, _, err := r.v.queryList(ctx, path, m, func() bool { return proto.Size(m) == 0 })
	return err
}
