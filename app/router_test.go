package app

import (
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
