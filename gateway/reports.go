package gateway

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/coldtrace/coldtrace/gateway/internal/web"
)

// Report is a consumer's report about a product (see web.Report).
type Report = web.Report

// reportCategories are the categories the form offers, in its order.
var reportCategories = []string{"quality", "thawed", "label", "counterfeit", "illness", "other"}

// maxReportRunes bounds a report's text.
const maxReportRunes = 500

// maxReportsInMemory bounds the reports the console shows (the newest).
const maxReportsInMemory = 10_000

func validReport(r *Report) error {
	ok := false
	for _, c := range reportCategories {
		ok = ok || c == r.Category
	}
	switch {
	case !ok:
		return errors.New("choose a category")
	case !utf8.ValidString(r.Text):
		return errors.New("the text is not valid UTF-8")
	case utf8.RuneCountInString(r.Text) > maxReportRunes:
		return fmt.Errorf("the text has %d characters, at most %d", utf8.RuneCountInString(r.Text), maxReportRunes)
	case strings.TrimSpace(r.Text) == "":
		return errors.New("describe the problem")
	}
	return nil
}

// reportStore keeps reports in memory and, with a data dir, appends each
// to reports.jsonl (one JSON object a line), read back at start.
type reportStore struct {
	mu   sync.Mutex
	list []Report
	next int64
	file *os.File
}

func openReports(dir string) (*reportStore, error) {
	s := &reportStore{next: 1}
	if dir == "" {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gateway data dir: %w", err)
	}
	path := filepath.Join(dir, "reports.jsonl")
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var r Report
			if json.Unmarshal(sc.Bytes(), &r) != nil {
				continue // a torn last line after a crash
			}
			s.add(r)
			if r.ID >= s.next {
				s.next = r.ID + 1
			}
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("gateway reports: %w", err)
	}
	s.file = f
	return s, nil
}

func (s *reportStore) add(r Report) {
	s.list = append(s.list, r)
	if len(s.list) > maxReportsInMemory {
		s.list = append([]Report(nil), s.list[len(s.list)-maxReportsInMemory:]...)
	}
}

// Add stores a report and returns it with its id.
func (s *reportStore) Add(r Report) (Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.ID = s.next
	if s.file != nil {
		b, err := json.Marshal(r)
		if err != nil {
			return r, err
		}
		if _, err := s.file.Write(append(b, '\n')); err != nil {
			return r, err
		}
	}
	s.next++
	s.add(r)
	return r, nil
}

// Newest returns up to n reports, newest first.
func (s *reportStore) Newest(n int) []Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Report
	for i := len(s.list) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, s.list[i])
	}
	return out
}

// Count is the number of reports kept.
func (s *reportStore) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.list)
}

func (s *reportStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}
