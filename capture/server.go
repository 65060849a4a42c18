package capture

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/export"
	"github.com/coldtrace/coldtrace/types"
)

// Sender signs and sends txs with the enterprise's key; *client.Signer is one.
type Sender interface {
	Broadcast(ctx context.Context, msgs ...proto.Message) (*client.TxResult, error)
}

// Chain is what the capture interface asks the node: the records mapping
// reads, the parameters that bound a tx, and a tx's block.
type Chain interface {
	export.ChainView
	Params(ctx context.Context) (*types.Params, error)
	Wait(ctx context.Context, hash []byte) (*client.TxResult, error)
}

// Error behaviours (GS1-Capture-Error-Behaviour).
const (
	Rollback = "rollback" // all events in one tx: all or nothing
	Proceed  = "proceed"  // one tx per event, each reported
)

// Defaults of Config.
const (
	DefaultCaptureLimit  = 500
	DefaultFileSizeLimit = 4 << 20
)

// Config sets up a capture handler.
type Config struct {
	Enterprise string // the signer's USCC
	GLN        string // the GLN it registered, if any: its events may name it
	Chain      Chain
	Sender     Sender
	// TxSize is the size of the signed tx that would carry msgs (for the
	// rollback size check).
	TxSize func(msgs []proto.Message) (int, error)
	// JobsDir keeps one file per job.
	JobsDir string
	// Token is the bearer token callers must present; empty when callers
	// are authenticated by client certificates (ClientCerts).
	Token       string
	ClientCerts bool
	// DigitalLinkBase of party, location and consignment URIs
	// (export.DefaultDigitalLinkBase when empty).
	DigitalLinkBase string
	CaptureLimit    int   // events per document (DefaultCaptureLimit)
	FileSizeLimit   int64 // bytes per document (DefaultFileSizeLimit)
	MaxEventAge     time.Duration
	Now             func() time.Time
	Logger          *slog.Logger
	// Query, when set, also serves the query interface (/epcis/...) behind
	// the same authentication.
	Query http.Handler
}

// Handler serves the capture interface.
type Handler struct {
	cfg  Config
	jobs *jobStore
	mux  *http.ServeMux
	wg   sync.WaitGroup
	stop context.CancelFunc
	ctx  context.Context
}

// New opens the job folder (closing any job a stopped server left running)
// and builds the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Enterprise == "" || cfg.Chain == nil || cfg.Sender == nil || cfg.TxSize == nil || cfg.JobsDir == "" {
		return nil, errors.New("capture: Config needs Enterprise, Chain, Sender, TxSize and JobsDir")
	}
	if cfg.Token == "" && !cfg.ClientCerts {
		return nil, errors.New("capture: callers must authenticate: give a token or require client certificates")
	}
	if cfg.CaptureLimit <= 0 || cfg.CaptureLimit > export.MaxDocumentEvents {
		cfg.CaptureLimit = DefaultCaptureLimit
	}
	if cfg.FileSizeLimit <= 0 {
		cfg.FileSizeLimit = DefaultFileSizeLimit
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	jobs, err := openJobs(cfg.JobsDir)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, jobs: jobs, mux: http.NewServeMux()}
	h.ctx, h.stop = context.WithCancel(context.Background())
	h.mux.HandleFunc("OPTIONS /capture", h.options)
	h.mux.HandleFunc("POST /capture", h.capture)
	h.mux.HandleFunc("GET /capture", h.listJobs)
	h.mux.HandleFunc("GET /capture/{id}", h.job)
	if cfg.Query != nil {
		h.mux.Handle("/epcis/", cfg.Query)
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "epcisException:NoSuchResourceException", "Resource not found", r.Method+" "+r.URL.Path+" is not served here")
	})
	return h, nil
}

// Shutdown lets the jobs in progress finish until ctx ends, then closes.
func (h *Handler) Shutdown(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	h.Close()
}

// Close stops the jobs in progress (each is closed as interrupted on the
// next start if it was) and waits for them.
func (h *Handler) Close() {
	h.stop()
	h.wg.Wait()
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.cfg.Logger.Error("capture: panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
			writeProblem(w, http.StatusInternalServerError, "epcisException:ImplementationException", "Internal error", "")
		}
	}()
	if !h.authenticated(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="coldtrace capture"`)
		writeProblem(w, http.StatusUnauthorized, "epcisException:SecurityException", "Unauthorised request",
			"this server signs with an enterprise's key: present its bearer token (Authorization: Bearer ...) or a client certificate")
		return
	}
	h.mux.ServeHTTP(w, r)
}

// authenticated checks the bearer token in constant time (of digests, so
// the length leaks nothing either) or a verified client certificate.
func (h *Handler) authenticated(r *http.Request) bool {
	if h.cfg.ClientCerts && r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		return true
	}
	if h.cfg.Token == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	a, b := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(h.cfg.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// versionHeaders are sent with every capture answer.
func versionHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("GS1-EPCIS-Version", "2.0.0")
	hd.Set("GS1-CBV-Version", "2.0.0")
}

func (h *Handler) options(w http.ResponseWriter, r *http.Request) {
	versionHeaders(w)
	hd := w.Header()
	hd.Set("Allow", "OPTIONS, POST, GET")
	hd.Set("GS1-EPCIS-Min", "2.0.0")
	hd.Set("GS1-EPCIS-Max", "2.0.0")
	hd.Set("GS1-CBV-Min", "2.0.0")
	hd.Set("GS1-CBV-Max", "2.0.0")
	hd.Set("GS1-EPC-Format", "Always_GS1_Digital_Link")
	hd.Set("GS1-Extensions", "ct="+export.ExtensionNamespace)
	hd.Set("GS1-EPCIS-Capture-Limit", strconv.Itoa(h.cfg.CaptureLimit))
	hd.Set("GS1-EPCIS-Capture-File-Size-Limit", strconv.FormatInt(h.cfg.FileSizeLimit, 10))
	hd.Set("GS1-Capture-Error-Behaviour", "all")
	if p, err := h.cfg.Chain.Params(r.Context()); err == nil {
		// A rollback capture is one tx: the chain's bounds on a tx apply.
		hd.Set("Coldtrace-Rollback-Capture-Limit", strconv.Itoa(int(p.MaxMsgsPerTx)))
		hd.Set("Coldtrace-Max-Tx-Bytes", strconv.Itoa(int(p.MaxTxBytes)))
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) job(w http.ResponseWriter, r *http.Request) {
	j, ok := h.jobs.get(r.PathValue("id"))
	if !ok {
		writeProblem(w, http.StatusNotFound, "epcisException:NoSuchResourceException", "Resource not found", "no capture job "+r.PathValue("id"))
		return
	}
	versionHeaders(w)
	writeJSON(w, http.StatusOK, j)
}

func (h *Handler) listJobs(w http.ResponseWriter, r *http.Request) {
	versionHeaders(w)
	jobs := h.jobs.list()
	if jobs == nil {
		jobs = []*Job{}
	}
	writeJSON(w, http.StatusOK, jobs)
}

// capture reads a document, maps its events and starts the job that sends
// them. What cannot be received at all (size, syntax, behaviour) is
// answered at once; what the chain cannot record is in the job.
func (h *Handler) capture(w http.ResponseWriter, r *http.Request) {
	limits := func() {
		w.Header().Set("GS1-EPCIS-Capture-Limit", strconv.Itoa(h.cfg.CaptureLimit))
		w.Header().Set("GS1-EPCIS-Capture-File-Size-Limit", strconv.FormatInt(h.cfg.FileSizeLimit, 10))
	}
	behaviour := strings.ToLower(strings.TrimSpace(r.Header.Get("GS1-Capture-Error-Behaviour")))
	if behaviour == "" {
		behaviour = Rollback
	}
	if behaviour != Rollback && behaviour != Proceed {
		writeProblem(w, http.StatusBadRequest, "epcisException:ValidationException", "Unknown capture error behaviour",
			fmt.Sprintf("GS1-Capture-Error-Behaviour %q: rollback or proceed", behaviour))
		return
	}
	if v := r.Header.Get("GS1-EPCIS-Version"); v != "" && !strings.HasPrefix(v, "2.0") {
		writeProblem(w, http.StatusNotAcceptable, "epcisException:NotAcceptableException", "EPCIS version not supported", "this server speaks EPCIS 2.0.0, not "+v)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
		writeProblem(w, http.StatusUnsupportedMediaType, "epcisException:UnsupportedMediaTypeException", "Unsupported media type", "send the document as application/json or application/ld+json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.FileSizeLimit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		limits()
		writeProblem(w, http.StatusRequestEntityTooLarge, "epcisException:CaptureLimitExceededException", "Capture payload too large",
			fmt.Sprintf("the document is larger than %d bytes (GS1-EPCIS-Capture-File-Size-Limit)", h.cfg.FileSizeLimit))
		return
	} else if err != nil {
		writeProblem(w, http.StatusBadRequest, "epcisException:ValidationException", "Unreadable request", err.Error())
		return
	}
	doc, err := export.ReadDocument(body)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "epcisException:ValidationException", "Not an EPCIS 2.0 document", err.Error())
		return
	}
	if len(doc.Events) == 0 {
		writeProblem(w, http.StatusBadRequest, "epcisException:ValidationException", "No events", "the document's eventList is empty")
		return
	}
	if len(doc.Events) > h.cfg.CaptureLimit {
		limits()
		writeProblem(w, http.StatusRequestEntityTooLarge, "epcisException:CaptureLimitExceededException", "Capture payload too large",
			fmt.Sprintf("the document holds %d events; at most %d (GS1-EPCIS-Capture-Limit)", len(doc.Events), h.cfg.CaptureLimit))
		return
	}
	if ext, ok := doc.Namespaces["ct"]; ok && ext != export.ExtensionNamespace {
		writeProblem(w, http.StatusBadRequest, "epcisException:ValidationException", "Unknown extension namespace",
			fmt.Sprintf("the prefix ct names %s; this chain's extensions are %s", ext, export.ExtensionNamespace))
		return
	}
	var params *types.Params
	if behaviour == Rollback {
		if params, err = h.cfg.Chain.Params(r.Context()); err != nil {
			writeProblem(w, http.StatusServiceUnavailable, "epcisException:ImplementationException", "Node unavailable", err.Error())
			return
		}
		if len(doc.Events) > int(params.MaxMsgsPerTx) {
			w.Header().Set("GS1-EPCIS-Capture-Limit", strconv.Itoa(int(params.MaxMsgsPerTx)))
			writeProblem(w, http.StatusRequestEntityTooLarge, "epcisException:CaptureLimitExceededException", "Too large for one transaction",
				fmt.Sprintf("rollback puts every event in one tx, and a tx holds at most %d messages (params.max_msgs_per_tx); this document has %d events: split it, or send it with GS1-Capture-Error-Behaviour: proceed", params.MaxMsgsPerTx, len(doc.Events)))
			return
		}
	}
	capt := &export.Capturer{Enterprise: h.cfg.Enterprise, GLN: h.cfg.GLN, DigitalLinkBase: h.cfg.DigitalLinkBase, View: h.cfg.Chain, Now: h.cfg.Now, MaxAge: h.cfg.MaxEventAge}
	job := &Job{CaptureID: newID(), CreatedAt: h.cfg.Now().UTC().Format(time.RFC3339), Running: true, Success: true, CaptureErrorBehaviour: behaviour, Errors: []*Problem{}}
	msgs := make([]proto.Message, len(doc.Events))
	for i, ev := range doc.Events {
		res := &Result{Index: i, Status: StatusPending}
		res.EventID, _ = ev["eventID"].(string)
		msg, err := capt.Map(r.Context(), ev)
		var ref *export.Refusal
		switch {
		case errors.As(err, &ref):
			res.Status, res.Reason = StatusNotRecorded, "the chain cannot record this event: "+ref.Error()
			job.Success = false
			job.Errors = append(job.Errors, &Problem{Type: "epcisException:ValidationException", Title: "Event not recordable on chain", Status: 400,
				Detail: fmt.Sprintf("eventList[%d]: %s", i, ref.Error()), Instance: fmt.Sprintf("#/epcisBody/eventList/%d", i)})
		case err != nil:
			writeProblem(w, http.StatusServiceUnavailable, "epcisException:ImplementationException", "Node unavailable", err.Error())
			return
		default:
			res.Message, msgs[i] = types.MsgName(msg), msg
		}
		job.Events = append(job.Events, res)
	}
	if behaviour == Rollback && job.Success {
		size, err := h.cfg.TxSize(msgs)
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, "epcisException:ImplementationException", "Internal error", err.Error())
			return
		}
		if size > int(params.MaxTxBytes) {
			writeProblem(w, http.StatusRequestEntityTooLarge, "epcisException:CaptureLimitExceededException", "Too large for one transaction",
				fmt.Sprintf("rollback puts every event in one tx; these events make a tx of %d bytes and the chain takes at most %d (params.max_tx_bytes): split the document, or send it with GS1-Capture-Error-Behaviour: proceed", size, params.MaxTxBytes))
			return
		}
	}
	if behaviour == Rollback && !job.Success {
		for _, res := range job.Events {
			if res.Status == StatusPending {
				res.Status, res.Reason = StatusNotRecorded, "rollback: another event of the document cannot be recorded, so none is"
			}
		}
	}
	if err := h.jobs.put(job); err != nil {
		writeProblem(w, http.StatusInternalServerError, "epcisException:ImplementationException", "Cannot keep the job", err.Error())
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.run(job.CaptureID, behaviour, msgs)
	}()
	versionHeaders(w)
	w.Header().Set("Location", "/capture/"+job.CaptureID)
	writeJSON(w, http.StatusAccepted, map[string]string{"captureID": job.CaptureID})
}

// run sends a job's txs: one for the whole document (rollback) or one per
// event in order (proceed), recording each outcome as it comes. Proceed
// broadcasts every tx before waiting for their blocks: the node checks
// each against the state its earlier ones leave, so an event may build on
// the one before it in the same block.
func (h *Handler) run(id, behaviour string, msgs []proto.Message) {
	j, _ := h.jobs.get(id)
	var batches [][]int // indexes of the events of each tx
	if behaviour == Rollback {
		if j.Success {
			var all []int
			for i := range msgs {
				all = append(all, i)
			}
			batches = append(batches, all)
		}
	} else {
		for i, m := range msgs {
			if m != nil {
				batches = append(batches, []int{i})
			}
		}
	}
	sent := make([]*client.TxResult, len(batches))
	for b, idx := range batches {
		var tx []proto.Message
		for _, i := range idx {
			tx = append(tx, msgs[i])
		}
		res, err := h.cfg.Sender.Broadcast(h.ctx, tx...)
		if h.ctx.Err() != nil {
			return // stopped: the next start closes the job as interrupted
		}
		if err != nil {
			h.record(id, idx, msgs, res, err)
			continue
		}
		sent[b] = res
		h.update(id, idx, func(r *Result) { r.TxHash = hex.EncodeToString(res.Hash) })
	}
	for b, idx := range batches {
		if sent[b] == nil {
			continue
		}
		res, err := h.cfg.Chain.Wait(h.ctx, sent[b].Hash)
		if h.ctx.Err() != nil {
			return
		}
		h.record(id, idx, msgs, res, err)
	}
	_ = h.jobs.update(id, func(j *Job) {
		j.Running = false
		j.FinishedAt = h.cfg.Now().UTC().Format(time.RFC3339)
	})
}

func (h *Handler) update(id string, idx []int, f func(*Result)) {
	_ = h.jobs.update(id, func(j *Job) {
		for _, i := range idx {
			f(j.Events[i])
		}
	})
}

// record writes a tx's outcome into the results of its events.
func (h *Handler) record(id string, idx []int, msgs []proto.Message, res *client.TxResult, err error) {
	var coded *client.Error
	_ = h.jobs.update(id, func(j *Job) {
		for _, i := range idx {
			r := j.Events[i]
			if res != nil && len(res.Hash) > 0 {
				r.TxHash = hex.EncodeToString(res.Hash)
			}
			switch {
			case err == nil:
				r.Status, r.Height, r.Code = StatusCommitted, res.Height, 0
				if _, ok := msgs[i].(*types.MsgDispatch); ok {
					if c := attribute(res, "dispatch", "consignment"); c != "" {
						r.Consignment = strings.TrimRight(baseOr(h.cfg.DigitalLinkBase), "/") + "/consignment/" + strings.ToLower(c)
					}
				}
			case errors.Is(err, client.ErrFateUnknown):
				r.Status, r.Reason = StatusFateUnknown, err.Error()
			case errors.As(err, &coded):
				r.Status, r.Code, r.Log = StatusRefused, coded.Code, coded.Log
				if res != nil {
					r.Height = res.Height
				}
			default:
				r.Status, r.Reason = StatusNotRecorded, err.Error()
			}
		}
		if err != nil {
			j.Success = false
			detail := err.Error()
			if len(idx) == 1 {
				detail = fmt.Sprintf("eventList[%d]: %s", idx[0], detail)
			}
			j.Errors = append(j.Errors, &Problem{Type: "epcisException:ValidationException", Title: "Refused by the chain", Status: 400, Detail: detail})
		}
	})
}

func baseOr(b string) string {
	if b == "" {
		return export.DefaultDigitalLinkBase
	}
	return b
}

// attribute is the first value of an ABCI event attribute of a tx.
func attribute(res *client.TxResult, typ, key string) string {
	for _, e := range res.Events {
		for _, a := range e.Attributes {
			if e.Type == typ && a.Key == key {
				return a.Value
			}
		}
	}
	return ""
}

func newID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's random source failed: nothing can be kept safe
	}
	return "id" + hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeProblem answers with an RFC 7807 problem, as the bindings define.
func writeProblem(w http.ResponseWriter, status int, typ, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&Problem{Type: typ, Title: title, Status: status, Detail: detail})
}
