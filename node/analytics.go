package node

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	cfg "github.com/cometbft/cometbft/config"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"
)

// SetAnalytics makes a home's node write its blocks' events to the
// PostgreSQL database conn names, through CometBFT's psql event sink
// (config.toml [tx_index] indexer = "psql", psql-conn), with the figure
// events the analytics views read ([analytics] enabled in app.toml). It
// refuses a home whose key is a validator of the genesis: a validator keeps
// CometBFT's kv indexer light and its block execution free of database
// writes. prepare (nil: none) runs after those checks and before the files
// are written, so a database that cannot be prepared leaves them as they
// were. Rerunning it with the same conn changes nothing.
func SetAnalytics(home, conn string, prepare func() error) error {
	conf, err := LoadCometConfig(home)
	if err != nil {
		return err
	}
	if strings.ContainsAny(conn, "\"\\\n\r") {
		return fmt.Errorf("the connection string may not hold a double quote, a backslash or a line break (config.toml keeps it as a plain quoted string)")
	}
	gen, err := cmttypes.GenesisDocFromFile(conf.GenesisFile())
	if err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	var key privval.FilePVKey
	if b, err := os.ReadFile(conf.PrivValidatorKeyFile()); err == nil {
		if err := cmtjson.Unmarshal(b, &key); err != nil {
			return fmt.Errorf("%s: %w", conf.PrivValidatorKeyFile(), err)
		}
	}
	for _, v := range gen.Validators {
		if key.PubKey != nil && bytes.Equal(v.PubKey.Bytes(), key.PubKey.Bytes()) {
			return fmt.Errorf("%s is a validator of the chain (%s in genesis.json): run analytics on a non-validator full node (`coldtrace join`), so validators keep their indexer light", home, v.Name)
		}
	}
	ac, err := LoadAppConfig(home)
	if err != nil {
		return err
	}
	conf.TxIndex.Indexer, conf.TxIndex.PsqlConn = "psql", conn
	if err := conf.ValidateBasic(); err != nil {
		return err
	}
	if prepare != nil {
		if err := prepare(); err != nil {
			return err
		}
	}
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), conf)
	ac.Analytics.Enabled = true
	return writeAppConfig(home, ac)
}
