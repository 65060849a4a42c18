package gateway

import (
	"net/http"

	"github.com/coldtrace/coldtrace/capture"
	"github.com/coldtrace/coldtrace/client"
)

// epcisRoutes serves the EPCIS 2.0 query interface (GET /epcis/events,
// GET /epcis/epcs/{epc}/events), every answer verified from the gateway's
// trust root.
func (s *Server) epcisRoutes(mux *http.ServeMux) {
	c, err := client.Dial(s.cfg.NodeRPC) // New dialled the same address: it parses
	if err != nil {
		return
	}
	mux.Handle("GET /epcis/", capture.QueryHandler(capture.QueryConfig{Reader: &capture.VerifiedReader{C: c, Trust: s.cfg.Trust}, ChainID: c.ChainID}))
}
