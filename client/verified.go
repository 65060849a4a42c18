package client

import (
	"context"
	"fmt"
	"math"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/proto"
)

func unmarshal(b []byte, m proto.Message) error { return proto.Unmarshal(b, m) }

// Verified is an answer checked end to end: its proofs against the app
// hash of height H, and that app hash in the header of H+1, verified from
// the trust root by the validators' signatures.
type Verified struct {
	Path     string
	Response *abci.ResponseQuery
	Height   int64                  // H, the state the answer describes
	AppHash  []byte                 // the app hash of H, from header H+1
	Header   *cmttypes.LightBlock   // header H+1 with its validators
	Trace    []*cmttypes.LightBlock // the verified headers from the root to H+1
	Trust    Trust
	Lists    int // key ranges the answer was read from, each proven to hold no other key
}

// Validators is the number of validators and their voting power that signed header H+1.
func (v *Verified) Validators() (int, int64) {
	if v == nil || v.Header == nil || v.Header.ValidatorSet == nil {
		return 0, 0
	}
	return len(v.Header.ValidatorSet.Validators), v.Header.ValidatorSet.TotalVotingPower()
}

// Summary is the line the CLI prints after a verified answer.
func (v *Verified) Summary() string {
	n, power := v.Validators()
	var signed int64
	if v.Header != nil && v.Header.SignedHeader != nil && v.Header.Header != nil {
		signed = v.Header.Height
	}
	complete := ""
	if v.Lists > 0 {
		complete = fmt.Sprintf("; %d key %s proven complete", v.Lists, plural(v.Lists, "range", "ranges"))
	}
	return fmt.Sprintf("verified at height %d (app hash %X, %d validators, power %d, header %d signed%s)", v.Height, v.AppHash, n, power, signed, complete)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// VerifiedQuery asks a node for a proven answer and verifies it. An answer
// that is a refusal with a proof (not found) is verified too and returned
// together with its coded error.
func (c *Client) VerifiedQuery(ctx context.Context, path string, headers *Headers) (*Verified, error) {
	// Ask for the state under the newest header, whose app hash commits to
	// the height before it: no wait for the next block.
	var height int64
	if st, err := c.rpc.Status(ctx); err == nil && st.SyncInfo.LatestBlockHeight > 1 {
		height = st.SyncInfo.LatestBlockHeight - 1
	}
	res, qerr := c.Query(ctx, path, height, true)
	if res == nil {
		return nil, qerr
	}
	if res.Height <= 0 || res.Height == math.MaxInt64 {
		return nil, verifyErr("the node's answer to %s names height %d", path, res.Height)
	}
	if res.ProofOps == nil {
		if qerr == nil {
			qerr = verifyErr("the node's answer to %s carries no proof", path)
		}
		return nil, qerr
	}
	// The app hash of H is in the header of H+1: wait for the next block.
	deadline := time.Now().Add(c.WaitTimeout)
	for {
		st, err := c.rpc.Status(ctx)
		if err != nil {
			return nil, err
		}
		if st.SyncInfo.LatestBlockHeight > res.Height {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no header after height %d within %s", res.Height, c.WaitTimeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	lb, trace, err := headers.VerifyTo(ctx, res.Height+1)
	if err != nil {
		return nil, err
	}
	proven, err := VerifyAnswer(res, path, lb.AppHash)
	if err != nil {
		return nil, err
	}
	return &Verified{Path: path, Response: res, Height: res.Height, AppHash: lb.AppHash, Header: lb, Trace: trace, Trust: headers.trust, Lists: proven.Ranges()}, qerr
}
