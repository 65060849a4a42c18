// Package deploy holds what runs a coldtrace node in production, as files:
// the systemd unit (systemd/), Prometheus' alert rules and their tests
// (prometheus/), the Grafana dashboard (grafana/) and the same dashboard as a
// page Prometheus serves itself (dashboard/; screenshot.sh photographs it). It
// has no Go code; its tests check those files: promtool runs the rules' tests,
// every metric the dashboard reads is one a real node exports, and the page,
// served by a real Prometheus, draws every panel in Chromium.
package deploy
