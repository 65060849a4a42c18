package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/capture"
	"github.com/coldtrace/coldtrace/export"
	"github.com/coldtrace/coldtrace/types"
)

// DefaultCaptureListen is where `coldtrace capture` listens: loopback.
const DefaultCaptureListen = "127.0.0.1:8090"

func newCaptureCmd(g *globals) *cobra.Command {
	var from, listen, tokenFile, clientCA, tlsCert, tlsKey, jobs, base string
	var maxAge time.Duration
	var limit int
	var sizeLimit int64
	cmd := &cobra.Command{
		Use:   "capture --from KEY [--listen 127.0.0.1:8090] [--token-file F | --client-ca F --tls-cert F --tls-key F]",
		Short: "Serve the EPCIS 2.0 capture interface for one enterprise, signing with its key",
		Long: `capture runs an HTTP server implementing the GS1 EPCIS 2.0 REST bindings' capture interface
for the enterprise that owns --from: POST /capture takes an EPCISDocument, maps each event to
a chain message (docs/EPCIS.md has the table and what the chain cannot express) and answers
202 with Location: /capture/{id}; GET /capture/{id} gives each event's tx hash, height, code
and log. GS1-Capture-Error-Behaviour: rollback (the default) puts the whole document in one
tx, all or nothing; proceed sends one tx per event. OPTIONS /capture states the limits.
GET /epcis/events and GET /epcis/epcs/{epc}/events answer queries from verified chain data.

Since it signs with the enterprise's key, every caller must authenticate: with the bearer
token in --token-file (default: one made at <home>/data/capture/capture.token), or with a
client certificate issued by --client-ca (then the server speaks TLS with --tls-cert and
--tls-key). It listens on loopback unless told otherwise. Jobs are kept in --jobs.`,
		Example: `  coldtrace capture --from demo-importer
  curl -s -X OPTIONS -i -H "Authorization: Bearer $(cat ~/.coldtrace/data/capture/capture.token)" http://127.0.0.1:8090/capture`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			key, err := g.signingKey(from)
			if err != nil {
				return err
			}
			c, err := g.dial()
			if err != nil {
				return err
			}
			acct, err := c.Account(ctx, key.Public().(ed25519.PublicKey))
			if err != nil {
				return fmt.Errorf("key %s: %w (register it to an enterprise first)", from, err)
			}
			if acct.OwnerKind != types.OwnerKind_OWNER_KIND_ENTERPRISE {
				return fmt.Errorf("key %s belongs to %s %s: capture signs for an enterprise", from, acct.OwnerKind, acct.OwnerId)
			}
			chainID, err := c.ChainID(ctx)
			if err != nil {
				return err
			}
			trust, err := g.trustRoot()
			if err != nil {
				return err
			}
			if jobs == "" {
				jobs = filepath.Join(g.home, "data", "capture", acct.OwnerId)
			}
			token := ""
			if clientCA == "" {
				if token, err = captureToken(g.home, tokenFile, cmd); err != nil {
					return err
				}
			}
			ent := &types.Enterprise{}
			if _, err := c.QueryInto(cmd.Context(), "/registry/enterprise/"+acct.OwnerId, ent); err != nil {
				return err
			}
			q := capture.QueryHandler(capture.QueryConfig{Reader: &capture.VerifiedReader{C: c, Trust: trust}, ChainID: c.ChainID, DigitalLinkBase: base})
			h, err := capture.New(capture.Config{Enterprise: acct.OwnerId, GLN: ent.GetProfile().GetGln(), Chain: &capture.NodeChain{C: c}, Sender: c.Signer(key),
				TxSize: capture.TxSizer(key, chainID), JobsDir: jobs, Token: token, ClientCerts: clientCA != "",
				DigitalLinkBase: base, CaptureLimit: limit, FileSizeLimit: sizeLimit, MaxEventAge: maxAge, Query: q})
			if err != nil {
				return err
			}
			defer h.Close()
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute,
				IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			if clientCA != "" {
				if l, err = mtlsListener(l, clientCA, tlsCert, tlsKey, srv); err != nil {
					return err
				}
			}
			if host, _, _ := net.SplitHostPort(listen); !isLoopback(host) {
				slog.Warn("capture listens beyond loopback: only authenticated callers are served, but prefer a loopback address behind a TLS proxy", "listen", listen)
			}
			scheme := "http"
			if clientCA != "" {
				scheme = "https"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "capture for %s (key %s) on %s://%s/capture, jobs in %s\n", acct.OwnerId, from, scheme, l.Addr(), jobs)
			sig, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(l) }()
			select {
			case err := <-errc:
				return err
			case <-sig.Done():
			}
			// Stop taking requests, then let the jobs under way reach their
			// blocks; a job still running after that is closed as
			// interrupted on the next start.
			shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err = srv.Shutdown(shut)
			h.Shutdown(shut)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "keyring name of the enterprise key that signs (required)")
	_ = cmd.MarkFlagRequired("from")
	f.StringVar(&listen, "listen", DefaultCaptureListen, "address to listen on")
	f.StringVar(&tokenFile, "token-file", "", "file holding the bearer token callers present (default <home>/data/capture/capture.token, made when missing)")
	f.StringVar(&clientCA, "client-ca", "", "PEM file of the CA whose client certificates authenticate callers (instead of a token; serves TLS)")
	f.StringVar(&tlsCert, "tls-cert", "", "PEM certificate of the server, with --client-ca")
	f.StringVar(&tlsKey, "tls-key", "", "PEM key of the server, with --client-ca")
	f.StringVar(&jobs, "jobs", "", "folder keeping the capture jobs (default <home>/data/capture/<USCC>)")
	f.StringVar(&base, "base", export.DefaultDigitalLinkBase, "base URI of party, location, consignment and device URIs, as the exports write them")
	f.DurationVar(&maxAge, "max-event-age", export.DefaultMaxEventAge, "oldest eventTime accepted: the chain dates events by their block")
	f.IntVar(&limit, "capture-limit", capture.DefaultCaptureLimit, "most events in one document (GS1-EPCIS-Capture-Limit)")
	f.Int64Var(&sizeLimit, "file-size-limit", capture.DefaultFileSizeLimit, "largest document in bytes (GS1-EPCIS-Capture-File-Size-Limit)")
	addNodeFlag(cmd, g)
	addTrustFlags(cmd, g)
	return cmd
}

// captureToken reads the token file, or makes the default one.
func captureToken(home, file string, cmd *cobra.Command) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		tok := strings.TrimSpace(string(b))
		if len(tok) < 16 {
			return "", fmt.Errorf("--token-file %s: a token has at least 16 characters", file)
		}
		return tok, nil
	}
	file = filepath.Join(home, "data", "capture", "capture.token")
	if b, err := os.ReadFile(file); err == nil && len(strings.TrimSpace(string(b))) >= 16 {
		return strings.TrimSpace(string(b)), nil
	}
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(file, []byte(tok+"\n"), 0o600); err != nil {
		return "", err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "made a capture token in %s\n", file)
	return tok, nil
}

// mtlsListener serves TLS and asks for client certificates from ca; a
// caller without one reaches the handler unauthenticated and gets 401.
func mtlsListener(l net.Listener, ca, cert, key string, srv *http.Server) (net.Listener, error) {
	if cert == "" || key == "" {
		return nil, errors.New("--client-ca serves TLS: give --tls-cert and --tls-key")
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		return nil, fmt.Errorf("--client-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--client-ca %s holds no PEM certificate", ca)
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS12}
	srv.TLSConfig = cfg
	return tls.NewListener(l, cfg), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
