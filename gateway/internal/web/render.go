package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"
)

//go:embed templates/layout.html
var layoutFS embed.FS

//go:embed static
var staticFS embed.FS

// Templates are the pages of one part of the gateway, by name (the file
// name without .html), each parsed with the shared layout.
type Templates map[string]*template.Template

// ParseTemplates parses every dir/*.html of fsys with the layout: one
// template per file. Helper templates a page shares (bars, alerts) are
// defined in the page files themselves.
func ParseTemplates(fsys fs.FS, dir string) (Templates, error) {
	out := Templates{}
	names, err := fs.Glob(fsys, dir+"/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, dir+"/")
		t, err := template.New(base).ParseFS(layoutFS, "templates/layout.html")
		if err == nil {
			t, err = t.ParseFS(fsys, n)
		}
		if err != nil {
			return nil, fmt.Errorf("gateway template %s: %w", base, err)
		}
		out[strings.TrimSuffix(base, ".html")] = t
	}
	return out, nil
}

// Page is what the layout renders.
type Page struct {
	L         Lang
	Title     string
	Path      string // for the language switch
	Console   bool
	Signed    bool // console: signed in (shows the menu)
	Division  string
	Who       string // console: who is signed in
	BodyClass string
	Body      any
}

// Render writes a page with its status; a template error is logged and
// becomes a plain 500 (nothing half-written reaches the client).
func (t Templates) Render(log *slog.Logger, w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	if p.Path == "" {
		p.Path = r.URL.EscapedPath()
	}
	var buf bytes.Buffer
	tm := t[name]
	if tm == nil {
		log.Error("gateway: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := tm.ExecuteTemplate(&buf, "layout", p); err != nil {
		log.Error("gateway: template", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// A page may quote what was sent (a code in an error's detail), and
	// html/template passes invalid UTF-8 through: the page is declared
	// UTF-8, so it is made so.
	out := buf.Bytes()
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.L.Tag)
	w.Header().Set("Vary", "Accept-Language, Cookie")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(out)
}

// StaticHandler serves /static/: the style sheet and script every page uses.
func StaticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServer(http.FS(filesOnly{sub})))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// filesOnly serves the files of an fs.FS and no folder: http.FileServer
// would list a folder's files as a page. Any failure to open is "not
// found": http.FileServer answers 500 to others, such as fs.ErrInvalid for
// a name that is not valid UTF-8 (/static/%AB).
type filesOnly struct{ fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, fs.ErrNotExist
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, fs.ErrNotExist
	}
	return file, nil
}
