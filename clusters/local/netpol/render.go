package main

// Pure rendering of the desired state into `iptables-restore --noflush` and `ipset restore` input.

import (
	"sort"
	"strings"
)

// quoteArg quotes an argument for iptables-restore when it has spaces.
func quoteArg(a string) string {
	if a == "" || strings.ContainsAny(a, " \t'") {
		return `"` + a + `"`
	}
	return a
}

// RenderIptables renders the filter-table transaction: every desired chain is declared (which
// flushes it under --noflush) and refilled; every stale chain of ours is flushed and deleted.
func RenderIptables(d *Desired, stale []string) string {
	var b strings.Builder
	b.WriteString("*filter\n")
	want := map[string]bool{}
	for _, ch := range d.Chains {
		want[ch.Name] = true
		b.WriteString(":" + ch.Name + " - [0:0]\n")
	}
	var del []string
	for _, s := range stale {
		if !want[s] {
			del = append(del, s)
		}
	}
	sort.Strings(del)
	for _, s := range del {
		b.WriteString(":" + s + " - [0:0]\n")
	}
	for _, ch := range d.Chains {
		for _, r := range ch.Rules {
			b.WriteString("-A " + ch.Name)
			for _, a := range r {
				b.WriteString(" " + quoteArg(a))
			}
			b.WriteString("\n")
		}
	}
	for _, s := range del {
		b.WriteString("-X " + s + "\n")
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// tempSetName is the name of the staging set swapped into name; ipset names are <= 31 chars.
func tempSetName(name string) string {
	t := name + "-t"
	if len(t) > 31 {
		t = t[len(t)-31:]
	}
	return t
}

// RenderIpsetRestore renders `ipset restore` input that fills each set in a staging copy and
// swaps it in, so the live set is never partially filled.
func RenderIpsetRestore(sets []IPSet) string {
	var b strings.Builder
	for _, s := range sets {
		opts := " family inet hashsize 1024 maxelem 262144"
		tmp := tempSetName(s.Name)
		b.WriteString("create " + s.Name + " " + s.Type + opts + " -exist\n")
		b.WriteString("create " + tmp + " " + s.Type + opts + " -exist\n")
		b.WriteString("flush " + tmp + "\n")
		for _, e := range s.Entries {
			b.WriteString("add " + tmp + " " + e + "\n")
		}
		b.WriteString("swap " + tmp + " " + s.Name + "\n")
		b.WriteString("destroy " + tmp + "\n")
	}
	return b.String()
}
