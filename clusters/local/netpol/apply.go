package main

// Applying the desired state to the machine: ipset restore, iptables-restore --noflush, hooks,
// stale cleanup. Only our own chains (prefix "<chain-prefix>-") and sets (ipset prefix) are touched.

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

type Applier struct {
	o        Options
	iptables string // iptables binary (save/restore are derived from it)
}

func NewApplier(o Options) *Applier {
	return &Applier{o: o, iptables: "iptables"}
}

func run(stdin string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// ourChains lists the filter-table chains with our prefix.
func (a *Applier) ourChains() ([]string, error) {
	out, err := run("", a.iptables+"-save", "-t", "filter")
	if err != nil {
		return nil, err
	}
	var chains []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, ":") {
			continue
		}
		name := strings.Fields(l[1:])
		if len(name) > 0 && strings.HasPrefix(name[0], a.o.ChainPrefix+"-") {
			chains = append(chains, name[0])
		}
	}
	return chains, nil
}

// ourSets lists the ipsets with our prefix.
func (a *Applier) ourSets() ([]string, error) {
	out, err := run("", "ipset", "list", "-n")
	if err != nil {
		return nil, err
	}
	var sets []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && strings.HasPrefix(l, a.o.IPSetPrefix) {
			sets = append(sets, l)
		}
	}
	return sets, nil
}

type hook struct {
	chain string
	match []string
	jump  string
}

func (a *Applier) hooks() []hook {
	return []hook{
		{"FORWARD", nil, a.o.ForwardChain()},
		{"INPUT", []string{"-s", a.o.PodCIDR}, a.o.InputChain()},
	}
}

func (h hook) spec() []string { return append(append([]string{}, h.match...), "-j", h.jump) }

// ensureHook puts the jump at position 1 of the built-in chain (moving it back there when
// another program inserted rules above it), leaving a single copy.
func (a *Applier) ensureHook(h hook) error {
	out, err := run("", a.iptables, "-w", "-S", h.chain)
	if err != nil {
		return err
	}
	var rules []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "-A ") {
			rules = append(rules, l)
		}
	}
	mine := func(l string) bool { return strings.HasSuffix(l, " -j "+h.jump) }
	exact := "-A " + h.chain + " " + strings.Join(h.spec(), " ")
	count := 0
	for _, l := range rules {
		if mine(l) {
			count++
		}
	}
	if count == 1 && rules[0] == exact {
		return nil
	}
	for _, l := range rules {
		if mine(l) {
			// Delete by the exact printed spec ("-A X ..." -> "-D X ...").
			if _, err := run("", a.iptables, append([]string{"-w", "-D"}, strings.Fields(l)[1:]...)...); err != nil {
				return err
			}
		}
	}
	_, err = run("", a.iptables, append([]string{"-w", "-I", h.chain, "1"}, h.spec()...)...)
	return err
}

// Apply makes the machine match d.
func (a *Applier) Apply(d *Desired) error {
	if _, err := run(RenderIpsetRestore(d.Sets), "ipset", "restore"); err != nil {
		return err
	}
	existing, err := a.ourChains()
	if err != nil {
		return err
	}
	if _, err := run(RenderIptables(d, existing), a.iptables+"-restore", "-w", "--noflush"); err != nil {
		return err
	}
	for _, h := range a.hooks() {
		if err := a.ensureHook(h); err != nil {
			return err
		}
	}
	// Sets no longer referenced by any rule can now go.
	want := map[string]bool{}
	for _, s := range d.Sets {
		want[s.Name] = true
	}
	sets, err := a.ourSets()
	if err != nil {
		return err
	}
	for _, s := range sets {
		if !want[s] {
			if _, err := run("", "ipset", "destroy", s); err != nil {
				return err
			}
		}
	}
	return nil
}

// Cleanup removes our hooks, chains and sets. It keeps going on errors and returns the first.
func (a *Applier) Cleanup() error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for _, builtin := range []string{"FORWARD", "INPUT"} {
		out, err := run("", a.iptables, "-w", "-S", builtin)
		if err != nil {
			keep(err)
			continue
		}
		for _, l := range strings.Split(out, "\n") {
			f := strings.Fields(l)
			if len(f) < 4 || f[0] != "-A" || f[len(f)-2] != "-j" || !strings.HasPrefix(f[len(f)-1], a.o.ChainPrefix+"-") {
				continue
			}
			// "-A FORWARD <spec>" -> "-D FORWARD <spec>"
			_, err := run("", a.iptables, append([]string{"-w", "-D"}, f[1:]...)...)
			keep(err)
		}
	}
	chains, err := a.ourChains()
	keep(err)
	if len(chains) > 0 {
		_, err := run(RenderIptables(&Desired{}, chains), a.iptables+"-restore", "-w", "--noflush")
		keep(err)
	}
	sets, err := a.ourSets()
	keep(err)
	for _, s := range sets {
		_, err := run("", "ipset", "destroy", s)
		keep(err)
	}
	return first
}
