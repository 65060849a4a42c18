package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
)

// readerHeaders is how many verified header chains a VerifiedReader keeps:
// each serves one query at a time.
const readerHeaders = 4

// VerifiedReader is a Reader over a node: every answer is checked end to
// end from the trust root (client.VerifiedQuery). A list the chain proves
// nothing of because it is empty (no record under its prefix) is taken as
// empty, as the gateway takes it.
type VerifiedReader struct {
	C     *client.Client
	Trust client.Trust

	once sync.Once
	pool chan *client.Headers // nil until first used
}

// ListPath reports whether a path the query interface reads answers a list
// (the codes of a batch), whose emptiness the chain cannot prove.
func ListPath(path string) bool { return strings.HasPrefix(path, "/trace/batch-codes?") }

// Query asks for path with proofs, verifies the answer and decodes it.
func (r *VerifiedReader) Query(ctx context.Context, path string, m proto.Message) (err error) {
	r.once.Do(func() {
		r.pool = make(chan *client.Headers, readerHeaders)
		for i := 0; i < readerHeaders; i++ {
			r.pool <- nil
		}
	})
	var h *client.Headers
	select {
	case h = <-r.pool:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { r.pool <- h }()
	if h == nil {
		if h, err = r.C.NewHeaders(ctx, r.Trust); err != nil {
			return err
		}
	}
	defer func() {
		// Whatever the node sent, checking it must not bring the server
		// down: a panic while verifying is a failed verification.
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: checking the answer of %s failed: %v", client.ErrVerification, path, p)
		}
	}()
	v, err := r.C.VerifiedQuery(ctx, path, h)
	if errors.Is(err, client.ErrVerification) && ListPath(path) {
		raw, qerr := r.C.Query(ctx, path, 0, false)
		if qerr == nil && raw != nil && proto.Unmarshal(raw.Value, m) == nil && proto.Size(m) == 0 {
			return nil
		}
		proto.Reset(m)
		return err
	}
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(v.Response.Value, m); err != nil {
		return fmt.Errorf("%w: the verified answer of %s does not decode: %v", client.ErrVerification, path, err)
	}
	return nil
}
