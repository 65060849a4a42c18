package main

import "github.com/spf13/cobra"

func newSnapshotCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "snapshot", Short: "Export or import the app state at a height (backups)", Hidden: true}
}
