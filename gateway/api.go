package gateway

import (
	_ "embed"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
	"github.com/coldtrace/coldtrace/types"
)

//go:embed openapi.yaml
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Write(openAPI)
}

func (s *Server) apiNotFound(w http.ResponseWriter, _ *http.Request) {
	web.WriteAPIError(w, &web.Failure{Status: http.StatusNotFound, Kind: "no_route", Detail: "see /api/v1/openapi.yaml"})
}

type apiParty struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Division string `json:"division,omitempty"`
}

type apiProduct struct {
	Name           string   `json:"name"`
	Category       string   `json:"category,omitempty"`
	GTIN           string   `json:"gtin,omitempty"`
	OriginCountry  string   `json:"origin_country,omitempty"`
	Batch          string   `json:"batch"`
	BatchID        string   `json:"batch_id"`
	ProductionDate string   `json:"production_date,omitempty"`
	ExpiryDate     string   `json:"expiry_date,omitempty"`
	Supplier       string   `json:"supplier,omitempty"`
	Commissioner   apiParty `json:"commissioner"`
	TempMinC       *float64 `json:"temp_min_c,omitempty"`
	TempMaxC       *float64 `json:"temp_max_c,omitempty"`
}

type apiTest struct {
	Result string `json:"result"`
	Lab    string `json:"lab,omitempty"`
	Date   string `json:"date,omitempty"`
}

type apiCertificates struct {
	InspectionQuarantine string   `json:"inspection_quarantine,omitempty"`
	Disinfection         string   `json:"disinfection,omitempty"`
	Origin               string   `json:"origin,omitempty"`
	CustomsDeclaration   string   `json:"customs_declaration,omitempty"`
	NucleicAcidTest      *apiTest `json:"nucleic_acid_test,omitempty"`
	Supervised           bool     `json:"supervised"`
	Released             bool     `json:"released"`
}

type apiReading struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	MinC      float64   `json:"min_c"`
	MaxC      float64   `json:"max_c"`
	Excursion bool      `json:"excursion"`
}

type apiStep struct {
	Time      time.Time  `json:"time"`
	ScannedAt *time.Time `json:"scanned_at,omitempty"`
	Height    int64      `json:"height"`
	Step      string     `json:"step"`
	Code      string     `json:"code"`
	Actor     apiParty   `json:"actor"`
	To        string     `json:"to,omitempty"`
	Detail    string     `json:"detail,omitempty"`
	Result    string     `json:"result,omitempty"`
	Alert     bool       `json:"alert,omitempty"`
}

// apiWarning is the warning every code of a positive or recalled batch carries.
type apiWarning struct {
	Kind      string `json:"kind"` // "positive" or "recalled"
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
}

type apiCode struct {
	Code         string           `json:"code"`
	DigitalLink  string           `json:"digital_link"`
	Status       string           `json:"status"`
	Warning      *apiWarning      `json:"warning,omitempty"` // the batch's positive test or recall, on every code of it
	StatusReason string           `json:"status_reason,omitempty"`
	ReleaseCert  string           `json:"release_certificate,omitempty"`
	HoldSource   string           `json:"hold_source,omitempty"`
	LogisticUnit bool             `json:"logistic_unit,omitempty"`
	Contents     []string         `json:"contents,omitempty"`
	Parent       string           `json:"parent,omitempty"`
	Product      *apiProduct      `json:"product,omitempty"`
	Certificates *apiCertificates `json:"certificates,omitempty"`
	Excursions   uint32           `json:"excursions"`
	Temperature  []apiReading     `json:"temperature"`
	Timeline     []apiStep        `json:"timeline"`
	Proof        string           `json:"proof,omitempty"`
	Verified     web.APIVerified  `json:"verified"`
}

// apiCodeParam reads ?code= in any accepted spelling.
func apiCodeParam(w http.ResponseWriter, r *http.Request) (types.Code, bool) {
	c, err := types.ParseCode(r.URL.Query().Get("code"))
	if err != nil {
		web.WriteAPIError(w, &web.Failure{Status: http.StatusBadRequest, Kind: "bad_request", Detail: err.Error()})
		return types.Code{}, false
	}
	return c, true
}

func centiF(v int32) float64 { return float64(v) / 100 }

// apiCode serves GET /api/v1/code?code=C: what the consumer page shows,
// as JSON. No quantities a business moved.
func (s *Server) apiCode(w http.ResponseWriter, r *http.Request) {
	code, ok := apiCodeParam(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	d, err := s.fetchCode(ctx, code)
	if err != nil {
		web.WriteAPIError(w, web.Classify(nil, err))
		return
	}
	rec := d.Record
	out := apiCode{Code: rec.Code, DigitalLink: code.DigitalLink(s.Base()), Status: d.status(s.cfg.Now()), LogisticUnit: rec.LogisticUnit,
		Parent: rec.Parent, Excursions: rec.Excursions, Verified: web.VerifiedJSON(d.Proof), Temperature: []apiReading{}, Timeline: []apiStep{}}
	if rec.Status == types.CodeStatus_CODE_STATUS_HELD || rec.Status == types.CodeStatus_CODE_STATUS_RECALLED {
		out.StatusReason, out.HoldSource = rec.StatusReason, rec.HoldSource
	}
	if danger := d.danger(); danger != "" {
		out.Warning = &apiWarning{Kind: danger, Message: web.Lang{Tag: "en"}.T("danger." + danger), MessageZH: web.Lang{Tag: "zh"}.T("danger." + danger)}
	}
	out.ReleaseCert = rec.ReleaseCertificate
	if !s.cfg.NoProofDownload {
		out.Proof = s.Base() + "/proof" + rec.Code + ".json"
	}
	for _, it := range rec.Contents {
		out.Contents = append(out.Contents, it.Code)
	}
	if d.Batch != nil && d.Batch.Facts != nil {
		f := d.Batch.Facts
		p := &apiProduct{Name: f.Name, Category: f.Category, GTIN: f.Gtin, OriginCountry: f.OriginCountry, Batch: d.Batch.Batch,
			BatchID: d.Batch.Id, ProductionDate: f.ProductionDate, ExpiryDate: f.Expiry(), Supplier: f.Supplier,
			Commissioner: d.party(d.Batch.Commissioner)}
		if lo, hi, ok := d.allowedRange(); ok {
			a, b := centiF(lo), centiF(hi)
			p.TempMinC, p.TempMaxC = &a, &b
		}
		out.Product = p
		c := d.certificates()
		ac := &apiCertificates{InspectionQuarantine: c.Inspection, Disinfection: c.Disinfection, Origin: c.Origin,
			CustomsDeclaration: c.Customs, Supervised: c.Supervised, Released: c.Released}
		if t := c.Test; t != nil && t.Result != types.TestResult_TEST_RESULT_UNSPECIFIED {
			res := "negative"
			if t.Result == types.TestResult_TEST_RESULT_POSITIVE {
				res = "positive"
			}
			ac.NucleicAcidTest = &apiTest{Result: res, Lab: t.Lab, Date: t.Date}
		}
		out.Certificates = ac
	}
	for _, rd := range d.readings() {
		out.Temperature = append(out.Temperature, apiReading{Start: rd.Start.UTC(), End: rd.End.UTC(), MinC: centiF(rd.Min), MaxC: centiF(rd.Max), Excursion: rd.Excursion})
	}
	out.Timeline = d.apiTimeline()
	web.WriteJSON(w, http.StatusOK, out)
}

func (d *codeData) party(id string) apiParty {
	p := apiParty{ID: id}
	if e := d.Names[id]; e != nil {
		p.Name, p.Division = e.Name, e.Division
	} else if len(id) == 6 {
		p.Division = id
	}
	return p
}

func (d *codeData) apiTimeline() []apiStep {
	out := []apiStep{}
	for _, st := range d.timeline() {
		a := apiStep{Time: st.Time.UTC(), Height: st.Height, Step: st.Step, Code: st.Code, Actor: d.party(st.Actor), To: st.Other,
			Detail: st.Detail, Result: st.Result, Alert: st.Alert}
		if st.Name != "" {
			a.Actor.Name = st.Name
		}
		if !st.Scanned.IsZero() && !st.Scanned.Equal(st.Time) {
			sc := st.Scanned.UTC()
			a.ScannedAt = &sc
		}
		if st.Division != "" {
			a.Actor.Division = st.Division
		}
		out = append(out, a)
	}
	return out
}

// apiHistory serves GET /api/v1/history?code=C: the code's events in order
// with who acted, where and when, verified with the history's hash chain.
// Event contents that carry quantities are left out.
func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request) {
	code, ok := apiCodeParam(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	if f := s.historyFits(ctx, code); f != nil {
		web.WriteAPIError(w, f)
		return
	}
	h := &types.HistoryPage{}
	v, err := s.v.Query(ctx, historyPath(code.String()), h)
	if err != nil {
		web.WriteAPIError(w, web.Classify(v, err))
		return
	}
	d := &codeData{Code: code, Record: h.Code, History: h, Trace: &types.Trace{}, Names: map[string]*types.Enterprise{}}
	if err := s.resolveNames(ctx, d); err != nil {
		web.WriteAPIError(w, web.Classify(nil, err))
		return
	}
	type apiEvent struct {
		Index     int         `json:"index"`
		Time      time.Time   `json:"time"`
		ScannedAt *time.Time  `json:"scanned_at,omitempty"`
		Height    int64       `json:"height"`
		Step      string      `json:"step"`
		Actor     apiParty    `json:"actor"`
		TxHash    string      `json:"tx_hash"`
		Sensor    *apiReading `json:"sensor,omitempty"`
	}
	out := struct {
		Code     string          `json:"code"`
		Events   []apiEvent      `json:"events"`
		Head     string          `json:"head"`
		Verified web.APIVerified `json:"verified"`
	}{Code: h.Code.Code, Head: strings.ToUpper(hex.EncodeToString(h.Code.Head)), Verified: web.VerifiedJSON(v), Events: []apiEvent{}}
	for i, e := range h.Events {
		ev := apiEvent{Index: i, Time: time.UnixMilli(e.TimeMs).UTC(), Height: e.Height, Step: e.BizStep, Actor: d.party(e.Actor),
			TxHash: strings.ToUpper(hex.EncodeToString(e.TxHash))}
		if e.EventTimeMs != 0 && e.EventTimeMs != e.TimeMs {
			sc := time.UnixMilli(e.EventTimeMs).UTC()
			ev.ScannedAt = &sc
		}
		if m, _ := e.Msg.Inner(); m != nil {
			if sr, ok := m.(*types.MsgSensorReport); ok {
				ev.Sensor = &apiReading{Start: types.UnixTime(sr.StartUnix), End: types.UnixTime(sr.EndUnix),
					MinC: centiF(sr.MinCenti), MaxC: centiF(sr.MaxCenti), Excursion: e.Excursion}
			}
		}
		out.Events = append(out.Events, ev)
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// apiTrace serves GET /api/v1/trace?code=C: the chain of custody back to
// commissioning (enterprises, divisions, dates; no quantities).
func (s *Server) apiTrace(w http.ResponseWriter, r *http.Request) {
	code, ok := apiCodeParam(w, r)
	if !ok {
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	t := &types.Trace{}
	v, err := s.v.Query(ctx, "/trace/backward?code="+url.QueryEscape(code.String()), t)
	if err != nil {
		web.WriteAPIError(w, web.Classify(v, err))
		return
	}
	type apiTraceStep struct {
		Time   time.Time `json:"time"`
		Height int64     `json:"height"`
		Step   string    `json:"step"`
		Code   string    `json:"code"`
		From   string    `json:"from,omitempty"`
		To     apiParty  `json:"to"`
	}
	out := struct {
		Code        string          `json:"code"`
		Steps       []apiTraceStep  `json:"steps"`
		Enterprises []string        `json:"enterprises"`
		Verified    web.APIVerified `json:"verified"`
	}{Code: code.String(), Steps: []apiTraceStep{}, Enterprises: t.Enterprises, Verified: web.VerifiedJSON(v)}
	if out.Enterprises == nil {
		out.Enterprises = []string{}
	}
	for _, st := range t.Steps {
		out.Steps = append(out.Steps, apiTraceStep{Time: time.UnixMilli(st.TimeMs).UTC(), Height: st.Height, Step: st.BizStep, Code: st.Code,
			From: st.From, To: apiParty{ID: st.To, Name: st.ToName, Division: st.ToDivision}})
	}
	web.WriteJSON(w, http.StatusOK, out)
}
