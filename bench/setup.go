package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/coldtrace/coldtrace/client"
	"github.com/coldtrace/coldtrace/types"
)

// setup registers 2×Pairs wholesale markets with fresh keys, through the
// regulator, in as few txs as the chain's message limit allows.
func setup(ctx context.Context, c *client.Client, cfg Config) ([]*pair, error) {
	var pairs []*pair
	var msgs []*types.MsgRegisterEnterprise
	for i := 0; i < cfg.Pairs; i++ {
		p := &pair{batch: fmt.Sprintf("BENCH-%s-%d", cfg.Run, i)}
		for j, role := range []string{"a", "b"} {
			_, key, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return nil, err
			}
			uscc, err := benchUSCC(cfg.Division, cfg.Run, i*2+j)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, &types.MsgRegisterEnterprise{Uscc: uscc, Name: "Bench market " + role + fmt.Sprint(i),
				Kind: types.EnterpriseKind_ENTERPRISE_KIND_WHOLESALE_MARKET, Division: cfg.Division, Keys: [][]byte{key.Public().(ed25519.PublicKey)}})
			if role == "a" {
				p.ka, p.ua = key, uscc
			} else {
				p.kb, p.ub = key, uscc
			}
		}
		pairs = append(pairs, p)
	}
	reg := c.Signer(cfg.Regulator)
	var last *client.TxResult
	for start := 0; start < len(msgs); start += 50 {
		end := min(start+50, len(msgs))
		var ms []proto.Message
		for _, m := range msgs[start:end] {
			ms = append(ms, m)
		}
		res, err := reg.Broadcast(ctx, ms...)
		if err != nil {
			return nil, err
		}
		last = res
	}
	if last != nil {
		if _, err := c.Wait(ctx, last.Hash); err != nil {
			return nil, err
		}
	}
	return pairs, nil
}

// benchUSCC makes a valid unified social credit code that names the run:
// "91" + division + "BNCH" + 3 characters of the run + 2 digits + check character.
func benchUSCC(division, run string, n int) (string, error) {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	tag := []byte{}
	for i := len(run) - 1; i >= 0 && len(tag) < 3; i-- {
		for k := 0; k < len(alphabet); k++ {
			if run[i] == alphabet[k] {
				tag = append(tag, run[i])
				break
			}
		}
	}
	for len(tag) < 3 {
		tag = append(tag, '0')
	}
	body := fmt.Sprintf("91%sBNCH%s%02d", division, tag, n%100)
	if len(body) != 17 {
		return "", fmt.Errorf("bench: cannot build a USCC for division %q", division)
	}
	c, err := types.USCCCheckChar(body)
	return body + string(c), err
}
