// promql-lint parses PromQL expressions with Prometheus' own parser, offline. It reads a JSON array
// of {"where": "...", "expr": "..."} on stdin (Grafana's $__rate_interval and $variables are
// substituted first) and prints one line per expression that does not parse. Exit 1 if any.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"

	"github.com/prometheus/prometheus/promql/parser"
)

type item struct {
	Where string `json:"where"`
	Expr  string `json:"expr"`
}

var (
	rateInterval = regexp.MustCompile(`\$__(rate_interval|interval|range)`)
	variable     = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
)

func main() {
	var items []item
	if err := json.NewDecoder(os.Stdin).Decode(&items); err != nil {
		fmt.Fprintln(os.Stderr, "input must be a JSON array of {where, expr}:", err)
		os.Exit(2)
	}
	p := parser.NewParser(parser.Options{})
	bad := 0
	for _, it := range items {
		expr := rateInterval.ReplaceAllString(it.Expr, "5m")
		expr = variable.ReplaceAllString(expr, "x")
		if _, err := p.ParseExpr(expr); err != nil {
			fmt.Printf("%s: %v\n", it.Where, err)
			bad++
		}
	}
	if bad > 0 {
		fmt.Printf("%d of %d expression(s) do not parse\n", bad, len(items))
		os.Exit(1)
	}
	fmt.Printf("%d expression(s) parse\n", len(items))
}
