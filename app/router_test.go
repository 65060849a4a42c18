package app

import (
	"reflect"
	"strings"
	"testing"
)

// TestRouterCoversEveryMsgCase: the app refuses to start when a Msg case has
// no handler or a type has two.
func TestRouterCoversEveryMsgCase(t *testing.T) {
	if _, err := newRouter(); err != nil {
		t.Fatalf("the app's router: %v", err)
	}
	if _, err := newRouterOf(registerRegistry, registerTrace, registerSupervision, registerValidators); err == nil || !strings.Contains(err.Error(), "schedule_upgrade") {
		t.Fatalf("a router without the rules handler: %v", err)
	}
	if _, err := newRouterOf(registerRegistry, registerTrace, registerSupervision, registerValidators, registerRules, registerRules); err == nil || !strings.Contains(err.Error(), "two handlers") {
		t.Fatalf("a router with two handlers for one type: %v", err)
	}
}

// TestStoresAreNarrow keeps each handler family's view of state to its own
// records: the interfaces are the only way a handler reaches state, so a
// method added to the wrong one shows here.
func TestStoresAreNarrow(t *testing.T) {
	methods := func(iface any) map[string]bool {
		typ := reflect.TypeOf(iface).Elem()
		out := map[string]bool{}
		for i := 0; i < typ.NumMethod(); i++ {
			out[typ.Method(i).Name] = true
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		store   any
		without []string
	}{
		{"trace", (*traceStore)(nil), []string{"SetRecall", "Alert", "KeysUnder", "SetEnterprise", "SetRegulator", "SetAccount", "SetRules"}},
		{"supervision", (*supervisionStore)(nil), []string{"SetEnterprise", "SetRegulator", "SetAccount", "SetRules"}},
		{"registry", (*registryStore)(nil), []string{"SetCode", "SetBatch", "PutEvent", "SetRecall", "SetAlert", "SetDeclaration"}},
	} {
		have := methods(tc.store)
		for _, m := range tc.without {
			if have[m] {
				t.Errorf("%s handlers can call %s, which is not theirs", tc.name, m)
			}
		}
	}
}
