package node

import (
	"fmt"
	"io"
	"strings"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"
)

// NewLogger is the logger config.toml's log_format asks for: "plain" (the
// default, CometBFT's key=value lines) or "json" (one JSON object a line,
// for a log shipper). CometBFT and the app log through the same logger, so
// one setting covers both.
func NewLogger(w io.Writer, format string) (log.Logger, error) {
	switch format {
	case "", cfg.LogFormatPlain:
		return log.NewTMLogger(log.NewSyncWriter(w)), nil
	case cfg.LogFormatJSON:
		return log.NewTMJSONLogger(log.NewSyncWriter(w)), nil
	}
	return nil, fmt.Errorf("log_format %q: use \"plain\" or \"json\"", format)
}

// LoggerFor is NewLogger with the log_format of a home's config.toml.
func LoggerFor(home string, w io.Writer) (log.Logger, error) {
	conf, err := LoadCometConfig(home)
	if err != nil {
		return nil, err
	}
	return NewLogger(w, conf.LogFormat)
}

// observingLogger passes every line on and, before the level filter drops
// any, turns the few lines that carry a fact no metric exports into
// metrics: the height CometBFT's indexer reached, and app hash mismatches.
type observingLogger struct {
	next log.Logger
	kv   []any // the With context, for the module a line comes from
	m    *opsMetrics
}

func (l *observingLogger) Debug(msg string, kv ...any) { l.see(msg, kv); l.next.Debug(msg, kv...) }
func (l *observingLogger) Info(msg string, kv ...any)  { l.see(msg, kv); l.next.Info(msg, kv...) }
func (l *observingLogger) Warn(msg string, kv ...any)  { l.see(msg, kv); l.next.Warn(msg, kv...) }
func (l *observingLogger) Error(msg string, kv ...any) { l.see(msg, kv); l.next.Error(msg, kv...) }

func (l *observingLogger) With(kv ...any) log.Logger {
	ctx := append(append([]any(nil), l.kv...), kv...)
	return &observingLogger{next: l.next.With(kv...), kv: ctx, m: l.m}
}

// appHashMismatch lists what CometBFT (block validation, replay) and the app
// (Commit) write when a node's app hash differs from the chain's.
var appHashMismatch = []string{
	"wrong Block.Header.AppHash",
	"AppHash does not match",
	"differs from the finalized",
}

func (l *observingLogger) see(msg string, kv []any) {
	if msg == "indexed block events" {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == "height" {
				if h, ok := kv[i+1].(int64); ok {
					l.m.txIndexHeight.Set(float64(h))
				}
			}
		}
		return
	}
	if isAppHashMismatch(msg, kv) {
		l.m.appHashMismatch.Inc()
	}
}

func isAppHashMismatch(msg string, kv []any) bool {
	texts := []string{msg}
	for i := 1; i < len(kv); i += 2 {
		switch v := kv[i].(type) {
		case error:
			texts = append(texts, v.Error())
		case string:
			texts = append(texts, v)
		}
	}
	for _, t := range texts {
		for _, p := range appHashMismatch {
			if strings.Contains(t, p) {
				return true
			}
		}
	}
	return false
}
