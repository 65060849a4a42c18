package app

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/coldtrace/coldtrace/types"
	abci "github.com/cometbft/cometbft/abci/types"
)

// TestQueriesBesideBlocks: the node calls Query and Info on their own
// connection, beside FinalizeBlock and Commit (node/run.go). Queries with
// proofs running the whole time blocks are made always answer from a saved
// version, and every answer is the record at its height. Run it with -race
// (make test-race) to check the locking.
func TestQueriesBesideBlocks(t *testing.T) {
	c := newTestChain(t)
	root := testKey("root")
	c.mustBlock()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := c.app.Query(context.Background(), &abci.RequestQuery{Path: "/registry/regulator/330000", Prove: true})
				if err != nil || res.Code != 0 || len(res.Value) == 0 || res.ProofOps == nil {
					errs <- fmt.Errorf("query: %v %+v", err, res)
					return
				}
				if _, err := c.app.Info(context.Background(), &abci.RequestInfo{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < 30; i++ {
		c.mustBlock(c.tx(root, regRegulator(types.ListedDivisionsUnder("33")[i], "Division", testKey(fmt.Sprint("city", i)))))
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	last := types.ListedDivisionsUnder("33")[29]
	r, err := snapshotState(t, c.app).Regulator(last)
	if err != nil || r == nil || r.Division != last {
		t.Fatalf("the last block's regulator: %+v %v", r, err)
	}
}
