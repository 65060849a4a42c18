package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/coldtrace/coldtrace/internal/fsutil"
)

// Job is a capture job as GET /capture/{id} answers it: the REST bindings'
// CaptureJob, with ct:events giving each event's outcome.
type Job struct {
	CaptureID             string     `json:"captureID"`
	CreatedAt             string     `json:"createdAt"`
	FinishedAt            string     `json:"finishedAt,omitempty"`
	Running               bool       `json:"running"`
	Success               bool       `json:"success"`
	CaptureErrorBehaviour string     `json:"captureErrorBehaviour"`
	Errors                []*Problem `json:"errors"`
	Events                []*Result  `json:"ct:events"`
}

// Event outcomes.
const (
	StatusCommitted   = "committed"    // in a block, code 0
	StatusRefused     = "refused"      // the chain refused the tx (code, log)
	StatusNotRecorded = "not_recorded" // the chain cannot express the event, or rollback stopped it
	StatusPending     = "pending"      // not sent yet
	StatusFateUnknown = "fate_unknown" // sent; whether it is in a block is unknown (look up txHash)
)

// Result is the outcome of one captured event.
type Result struct {
	Index       int    `json:"index"`             // position in the document's eventList
	EventID     string `json:"eventID,omitempty"` // as captured
	Message     string `json:"message,omitempty"` // the chain message it maps to
	Status      string `json:"status"`
	TxHash      string `json:"txHash,omitempty"`
	Height      int64  `json:"height,omitempty"`
	Code        uint32 `json:"code,omitempty"`
	Log         string `json:"log,omitempty"`
	Reason      string `json:"reason,omitempty"`      // why it was not recorded
	Consignment string `json:"consignment,omitempty"` // shipping: the consignment the chain numbered (use it as desadv to receive)
}

// Problem is an RFC 7807 problem as the REST bindings use them.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// jobStore keeps jobs in memory and each in its own file, replaced whole
// at every change, so that a restart finds every job as last written.
type jobStore struct {
	dir  string
	mu   sync.Mutex
	jobs map[string]*Job
}

func openJobs(dir string) (*jobStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &jobStore{dir: dir, jobs: map[string]*Job{}}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		j := &Job{}
		if err := json.Unmarshal(b, j); err != nil || !validID(j.CaptureID) || filepath.Base(n) != j.CaptureID+".json" {
			return nil, fmt.Errorf("capture: job file %s is damaged (%v): move it away", n, err)
		}
		if j.Running {
			interrupted(j)
			if err := s.write(j); err != nil {
				return nil, err
			}
		}
		s.jobs[j.CaptureID] = j
	}
	return s, nil
}

// interrupted closes a job the server stopped in the middle of.
func interrupted(j *Job) {
	j.Running, j.Success = false, false
	for _, r := range j.Events {
		switch {
		case r.Status == StatusPending && r.TxHash != "":
			r.Status, r.Reason = StatusFateUnknown, "the capture server stopped before the tx's block was seen: look the tx up by its hash"
		case r.Status == StatusPending:
			r.Status, r.Reason = StatusNotRecorded, "the capture server stopped before this event was sent"
		}
	}
	j.Errors = append(j.Errors, &Problem{Type: "epcisException:ImplementationException", Title: "capture interrupted", Status: 500,
		Detail: "the capture server stopped while this job ran; each event's status says what reached the chain"})
}

func validID(id string) bool {
	return len(id) == 18 && strings.HasPrefix(id, "id") && strings.Trim(id[2:], "0123456789abcdef") == ""
}

func (s *jobStore) write(j *Job) error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(filepath.Join(s.dir, j.CaptureID+".json"), append(b, '\n'), 0o600)
}

// put stores a job (a new one, or a change to one) on disk, then in memory.
func (s *jobStore) put(j *Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.write(j); err != nil {
		return err
	}
	s.jobs[j.CaptureID] = j
	return nil
}

// update changes a job under the lock and writes it.
func (s *jobStore) update(id string, f func(*Job)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[id]
	if j == nil {
		return errors.New("capture: no job " + id)
	}
	f(j)
	return s.write(j)
}

// get returns a copy of a job.
func (s *jobStore) get(id string) (*Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[id]
	if j == nil {
		return nil, false
	}
	b, _ := json.Marshal(j)
	out := &Job{}
	_ = json.Unmarshal(b, out)
	return out, true
}

// list returns copies of the jobs, newest first.
func (s *jobStore) list() []*Job {
	s.mu.Lock()
	var ids []string
	for id := range s.jobs {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	var out []*Job
	for _, id := range ids {
		if j, ok := s.get(id); ok {
			out = append(out, j)
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].CreatedAt != out[b].CreatedAt {
			return out[a].CreatedAt > out[b].CreatedAt
		}
		return out[a].CaptureID > out[b].CaptureID
	})
	return out
}
