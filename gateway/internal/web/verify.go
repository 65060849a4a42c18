package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// headerSets is how many verified header chains the gateway keeps: each
// serves one query at a time, so this many queries run at once.
const headerSets = 4

// Verifier asks the node and verifies every answer end to end: ics23
// proofs against the app hash of height H, header H+1 from the trust root
// by the validators' signatures, and the answer recomputed from the proven
// records (client.VerifiedQuery). Nothing unverified leaves it.
type Verifier struct {
	c     *client.Client
	trust client.Trust

	mu      sync.Mutex // guards the first ChainID call, which caches in c
	chainOK bool
	pool    chan *client.Headers
}

func NewVerifier(c *client.Client, trust client.Trust) *Verifier {
	v := &Verifier{c: c, trust: trust, pool: make(chan *client.Headers, headerSets)}
	for i := 0; i < headerSets; i++ {
		v.pool <- nil
	}
	return v
}

// headers takes a header chain from the pool, creating it on first use.
func (v *Verifier) headers(ctx context.Context) (*client.Headers, error) {
	var h *client.Headers
	select {
	case h = <-v.pool:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if h != nil {
		return h, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.chainOK {
		if _, err := v.c.ChainID(ctx); err != nil {
			v.pool <- nil
			return nil, err
		}
		v.chainOK = true
	}
	h, err := v.c.NewHeaders(ctx, v.trust)
	if err != nil {
		v.pool <- nil
		return nil, err
	}
	return h, nil
}

// Query asks for path with proofs, verifies the answer and decodes it into
// m. A proven absence returns the Verified answer with a not-found error;
// every other Failure returns no answer.
func (v *Verifier) Query(ctx context.Context, path string, m proto.Message) (res *client.Verified, err error) {
	h, err := v.headers(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Whatever the node sent, checking it must not bring the gateway
		// down: a panic while verifying is a failed verification.
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%w: checking the answer of %s failed: %v", client.ErrVerification, path, p)
		}
	}()
	res, err = v.c.VerifiedQuery(ctx, path, h)
	v.pool <- h
	if err != nil {
		return res, err
	}
	if res == nil {
		return nil, fmt.Errorf("%w: the answer of %s carries no proof", client.ErrVerification, path)
	}
	if m != nil {
		if err := proto.Unmarshal(res.Response.Value, m); err != nil {
			return nil, fmt.Errorf("%w: the verified answer of %s does not decode: %v", client.ErrVerification, path, err)
		}
	}
	return res, nil
}

// Failure is why a page cannot show an answer, with its HTTP status.
type Failure struct {
	Status int
	Kind   string // not_found, bad_request, unverifiable, unavailable
	Detail string
}

func (f *Failure) Error() string { return f.Kind + ": " + f.Detail }

// Classify turns a query error into what the client is told. Only a
// verified absence is "not found": a node saying "not found" without a
// valid proof is unverifiable like any other answer that does not check out.
func Classify(v *client.Verified, err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	var coded *client.Error
	switch {
	case errors.Is(err, client.ErrVerification):
		return &Failure{http.StatusBadGateway, "unverifiable", err.Error()}
	case errors.As(err, &coded) && coded.Code == types.ErrNotFound.Code && v != nil:
		return &Failure{http.StatusNotFound, "not_found", coded.Log}
	case errors.As(err, &coded) && coded.Code == types.ErrNotFound.Code:
		return &Failure{http.StatusBadGateway, "unverifiable", "the node says not found without a proof of the absence"}
	case errors.As(err, &coded) && (coded.Code == types.ErrBadQuery.Code || coded.Code == types.ErrInvalidCode.Code):
		return &Failure{http.StatusBadRequest, "bad_request", coded.Log}
	case errors.As(err, &coded):
		// Any other refusal carries no proof: nothing to show as fact.
		return &Failure{http.StatusBadGateway, "unverifiable", err.Error()}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &Failure{http.StatusServiceUnavailable, "unavailable", "the node did not answer in time"}
	}
	return &Failure{http.StatusServiceUnavailable, "unavailable", err.Error()}
}

// NotFound reports whether err is a verified absence.
func NotFound(v *client.Verified, err error) bool {
	return Classify(v, err).Status == http.StatusNotFound
}

// Client is the node client the verifier asks.
func (v *Verifier) Client() *client.Client { return v.c }

// Parallel runs fns at once and returns the first error.
func Parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
