// Package deploy holds what runs a coldtrace node in production, as files:
// the systemd unit (systemd/), Prometheus' alert rules and their tests
// (prometheus/), the Grafana dashboard (grafana/). It has no code; its tests
// check those files: promtool runs the rules' tests, and every metric the
// dashboard reads is one a real node exports.
package deploy
