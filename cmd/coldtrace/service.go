package main

import (
	"bytes"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/coldtrace/coldtrace/internal/fsutil"
)

// unitTemplate is the systemd unit `coldtrace service install` writes;
// deploy/systemd/coldtrace.service is it for the defaults (a test keeps them
// equal). Why each line:
//   - the node runs as its own user, which owns the home and nothing else
//     (ProtectSystem=strict, ReadWritePaths the home only);
//   - TimeoutStopSec leaves CometBFT and the app time to close their
//     databases on SIGTERM before systemd kills the process;
//   - at most 5 restarts in 10 minutes: a node that cannot start (a broken
//     home, a port taken) stops retrying and its unit shows failed. A node
//     halted at an upgrade height its binary does not know keeps running
//     (its RPC answers) and is not restarted.
var unitTemplate = template.Must(template.New("unit").Parse(`# coldtrace node, written by 'coldtrace service install'.
[Unit]
Description=coldtrace node (home {{.Home}})
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=600
StartLimitBurst=5

[Service]
Type=simple
User={{.User}}
Group={{.User}}
ExecStart={{.Binary}} start --home {{.Home}}
Restart=on-failure
RestartSec=10
TimeoutStopSec=120
KillSignal=SIGTERM
LimitNOFILE=65536
UMask=0077

NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome={{.ProtectHome}}
ReadWritePaths={{.Home}}
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
CapabilityBoundingSet=
AmbientCapabilities=
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
`))

type unitParams struct {
	Home, User, Binary, ProtectHome string
}

// renderUnit fills the unit for a home. A home under /home, /root or
// /run/user needs ProtectHome=read-only: "yes" hides those folders whole,
// ReadWritePaths included.
func renderUnit(p unitParams) ([]byte, error) {
	p.ProtectHome = "yes"
	for _, d := range []string{"/home/", "/root/", "/run/user/"} {
		if strings.HasPrefix(p.Home+"/", d) {
			p.ProtectHome = "read-only"
		}
	}
	for _, v := range []string{p.Home, p.User, p.Binary} {
		if v == "" || strings.ContainsAny(v, " \t\n\"'\\%$;") {
			return nil, fmt.Errorf("%q cannot go into a unit file: use a path and a user name without spaces, quotes, %%, $, ; or backslashes", v)
		}
	}
	var b bytes.Buffer
	if err := unitTemplate.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func newServiceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "service",
		Short: "Run the node as a systemd service",
	}
	var usr, binary, unitDir, name string
	var dryRun bool
	install := &cobra.Command{
		Use:   "install",
		Short: "Write a hardened systemd unit that runs 'coldtrace start --home HOME' as its own user",
		Long: `install writes /etc/systemd/system/coldtrace.service (--unit-dir, --name), a unit that
runs 'coldtrace start --home HOME' as --user (default coldtrace): no new privileges, the
whole file system read-only but the home, a private /tmp, restarted on failure, two
minutes to stop cleanly on SIGTERM, 65,536 open files. It prints what it did and the
commands to run next (creating the user, giving it the home, systemctl); it runs none of
them. --dry-run prints the unit instead of writing it and needs no systemd.
'coldtrace doctor --home HOME' checks the home before the first start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := filepath.Abs(g.home)
			if err != nil {
				return err
			}
			if binary == "" {
				if binary, err = os.Executable(); err != nil {
					return err
				}
			}
			if binary, err = filepath.Abs(binary); err != nil {
				return err
			}
			unit, err := renderUnit(unitParams{Home: home, User: usr, Binary: binary})
			if err != nil {
				return err
			}
			path := filepath.Join(unitDir, name+".service")
			out := cmd.OutOrStdout()
			if dryRun {
				fmt.Fprintf(out, "# --dry-run: would write %s\n", path)
				_, err := out.Write(unit)
				return err
			}
			if err := os.MkdirAll(unitDir, 0o755); err != nil {
				return err
			}
			if err := fsutil.WriteFileAtomic(path, unit, 0o644); err != nil {
				return fmt.Errorf("write %s: %w (run as root, or give --unit-dir)", path, err)
			}
			fmt.Fprintf(out, "wrote %s: %s start --home %s as user %s\n\nnext, as root:\n", path, binary, home, usr)
			if _, err := user.Lookup(usr); err != nil {
				fmt.Fprintf(out, "  useradd --system --user-group --home-dir %s --shell /usr/sbin/nologin %s\n", home, usr)
			}
			fmt.Fprintf(out, "  chown -R %s:%s %s\n", usr, usr, home)
			fmt.Fprintf(out, "  sudo -u %s %s doctor --home %s\n", usr, binary, home)
			fmt.Fprintf(out, "  systemctl daemon-reload\n  systemctl enable --now %s\n  journalctl -u %s -f\n", name, name)
			return nil
		},
	}
	install.Flags().StringVar(&usr, "user", "coldtrace", "system user the node runs as (owns the home)")
	install.Flags().StringVar(&binary, "binary", "", "path of the coldtrace binary the unit starts (default: this one)")
	defUnitDir := "/etc/systemd/system"
	if d := os.Getenv("COLDTRACE_UNIT_DIR"); d != "" {
		defUnitDir = d
	}
	install.Flags().StringVar(&unitDir, "unit-dir", defUnitDir, "folder the unit is written to ($COLDTRACE_UNIT_DIR overrides the default)")
	install.Flags().StringVar(&name, "name", "coldtrace", "name of the unit (NAME.service)")
	install.Flags().BoolVar(&dryRun, "dry-run", false, "print the unit, write nothing")
	cmd.AddCommand(install)
	return cmd
}
