// Package capture serves the GS1 EPCIS 2.0 REST bindings for one
// enterprise: the capture interface (POST /capture, GET /capture/{id},
// OPTIONS /capture), which turns captured events into txs signed with the
// enterprise's key, and the event query interface (GET /epcis/events,
// GET /epcis/epcs/{epc}/events), answered from verified chain data.
//
// Usage:
//
//	h, err := capture.New(capture.Config{Enterprise: uscc, Chain: &capture.NodeChain{C: c},
//		Sender: c.Signer(key), TxSize: capture.TxSizer(key, chainID), JobsDir: dir, Token: token})
//	defer h.Close()
//	http.ListenAndServe("127.0.0.1:8090", h)
//
// export.Capturer maps each event (docs/EPCIS.md has the table); an event
// the chain cannot express is refused with its reason in the job, never
// dropped. Rollback (the default GS1-Capture-Error-Behaviour) sends the
// document's events as one tx, all or nothing; proceed sends one tx per
// event, in order. Jobs are kept one file each in the jobs folder, replaced
// atomically at every change, so a restart answers for every job; a job a
// stopped server was running is closed, each event saying whether it
// reached the chain.
package capture
