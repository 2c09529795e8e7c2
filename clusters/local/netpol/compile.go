package main

// The pure compile step: (namespaces, pods, policies) -> desired ipsets and iptables chains.
// Nothing here touches the machine; apply.go does.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Options are the node-specific inputs of the compile step.
type Options struct {
	NodeName    string
	PodCIDR     string // e.g. 10.244.0.0/16 (normalised by Compile)
	ChainPrefix string // e.g. ISOPROOF-NP
	IPSetPrefix string // e.g. isoproof-np-
	// AllowedAction is the target for allowed new pod traffic in FORWARD: "ACCEPT" (default) or
	// "RETURN" (leave the decision to the rest of FORWARD).
	AllowedAction string
}

// State is everything the compile step reads.
type State struct {
	Namespaces []*corev1.Namespace
	Pods       []*corev1.Pod
	Policies   []*netv1.NetworkPolicy
}

// IPSet is one desired ipset; Entries are sorted and unique.
type IPSet struct {
	Name    string
	Type    string // hash:ip | hash:net | hash:ip,port
	Entries []string
}

// Chain is one of our filter-table chains; each rule is the argument list after "-A <chain>".
type Chain struct {
	Name  string
	Rules [][]string
}

// Stats are the counts logged and served on /healthz.
type Stats struct {
	Policies         int `json:"policies"`
	Pods             int `json:"pods"`
	LocalPods        int `json:"localPods"`
	IngressIsolated  int `json:"ingressIsolated"`
	EgressIsolated   int `json:"egressIsolated"`
	Sets             int `json:"sets"`
	Rules            int `json:"rules"`
	InvalidSelectors int `json:"invalidSelectors"`
}

// Desired is the full desired state.
type Desired struct {
	Sets   []IPSet // sorted by name
	Chains []Chain // top-level chains first, then per-pod chains sorted by name
	Stats  Stats
}

// Chain names derived from the prefix.
func (o Options) chain(suffix string) string { return o.ChainPrefix + "-" + suffix }

// ForwardChain and InputChain are the chains the hooks jump to.
func (o Options) ForwardChain() string { return o.chain("FORWARD") }
func (o Options) InputChain() string   { return o.chain("INPUT") }

func shortHash(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return strings.ToUpper(hex.EncodeToString(h[:]))[:12]
}

// podIPv4 returns the pod's IPv4 address, or "" (no IP yet, IPv6 only).
func podIPv4(p *corev1.Pod) string {
	cands := []string{p.Status.PodIP}
	for _, ip := range p.Status.PodIPs {
		cands = append(cands, ip.IP)
	}
	for _, c := range cands {
		if ip := net.ParseIP(c); ip != nil && ip.To4() != nil {
			return ip.To4().String()
		}
	}
	return ""
}

// peerPod is a pod that counts as a peer: it has an IP, is not hostNetwork and not finished.
type peerPod struct {
	pod *corev1.Pod
	ip  string
}

func usablePods(pods []*corev1.Pod) []peerPod {
	out := make([]peerPod, 0, len(pods))
	for _, p := range pods {
		if p == nil || p.Spec.HostNetwork {
			continue
		}
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		ip := podIPv4(p)
		if ip == "" {
			continue
		}
		out = append(out, peerPod{pod: p, ip: ip})
	}
	sort.Slice(out, func(i, j int) bool { return podKey(out[i].pod) < podKey(out[j].pod) })
	return out
}

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

// policyTypes applies the spec defaults: Ingress always, Egress when egress rules exist.
func policyTypes(np *netv1.NetworkPolicy) (ingress, egress bool) {
	if len(np.Spec.PolicyTypes) == 0 {
		return true, len(np.Spec.Egress) > 0
	}
	for _, t := range np.Spec.PolicyTypes {
		switch t {
		case netv1.PolicyTypeIngress:
			ingress = true
		case netv1.PolicyTypeEgress:
			egress = true
		}
	}
	return ingress, egress
}

// compiler holds the per-run indexes and the sets created so far.
type compiler struct {
	o        Options
	nsLabels map[string]labels.Set
	pods     []peerPod
	sets     map[string]*IPSet
	invalid  int
}

func (c *compiler) namespaceLabels(ns string) labels.Set {
	l := c.nsLabels[ns]
	if l == nil {
		// The apiserver always sets this label; a namespace we don't know still has its name.
		return labels.Set{"kubernetes.io/metadata.name": ns}
	}
	return l
}

// selector converts a label selector; nil means "everything" when nilIsAll, else "nothing".
func (c *compiler) selector(s *metav1.LabelSelector, nilIsAll bool) labels.Selector {
	if s == nil {
		if nilIsAll {
			return labels.Everything()
		}
		return labels.Nothing()
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		c.invalid++
		return labels.Nothing()
	}
	return sel
}

func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (c *compiler) addSet(name, typ string, entries []string) string {
	if _, ok := c.sets[name]; ok {
		return name
	}
	uniq := map[string]bool{}
	out := []string{}
	for _, e := range entries {
		if !uniq[e] {
			uniq[e] = true
			out = append(out, e)
		}
	}
	sort.Strings(out)
	c.sets[name] = &IPSet{Name: name, Type: typ, Entries: out}
	return name
}

// selectorSet returns the ipset holding the IPs of the pods a selector peer designates.
func (c *compiler) selectorSet(policyNs string, peer netv1.NetworkPolicyPeer) string {
	key := canonical(struct {
		Ns  string
		Pod *metav1.LabelSelector
		NS  *metav1.LabelSelector
	}{policyNs, peer.PodSelector, peer.NamespaceSelector})
	name := c.o.IPSetPrefix + "s" + strings.ToLower(shortHash("sel", key))
	if _, ok := c.sets[name]; ok {
		return name
	}
	podSel := c.selector(peer.PodSelector, true)
	var nsSel labels.Selector
	if peer.NamespaceSelector != nil {
		nsSel = c.selector(peer.NamespaceSelector, true)
	}
	var ips []string
	for _, pp := range c.pods {
		if nsSel == nil {
			if pp.pod.Namespace != policyNs {
				continue
			}
		} else if !nsSel.Matches(c.namespaceLabels(pp.pod.Namespace)) {
			continue
		}
		if !podSel.Matches(labels.Set(pp.pod.Labels)) {
			continue
		}
		ips = append(ips, pp.ip)
	}
	return c.addSet(name, "hash:ip", ips)
}

// ipBlockSet returns the hash:net set for an ipBlock (excepts as nomatch entries), or "" when the
// block can match no IPv4 address.
func (c *compiler) ipBlockSet(b *netv1.IPBlock) string {
	_, cidr, err := net.ParseCIDR(b.CIDR)
	if err != nil || cidr.IP.To4() == nil {
		return ""
	}
	ones, _ := cidr.Mask.Size()
	var entries []string
	if ones == 0 { // hash:net cannot hold /0
		entries = append(entries, "0.0.0.0/1", "128.0.0.0/1")
	} else {
		entries = append(entries, cidr.String())
	}
	for _, e := range b.Except {
		_, ex, err := net.ParseCIDR(e)
		if err != nil || ex.IP.To4() == nil {
			continue
		}
		exOnes, _ := ex.Mask.Size()
		if !cidr.Contains(ex.IP) {
			continue // outside the block: no effect
		}
		if exOnes <= ones {
			return "" // the except removes the whole block
		}
		entries = append(entries, ex.String()+" nomatch")
	}
	name := c.o.IPSetPrefix + "b" + strings.ToLower(shortHash("block", canonical(entries)))
	return c.addSet(name, "hash:net", entries)
}

// namedPortSet returns the hash:ip,port set of (pod IP, proto, port) for every peer pod with a
// container port of that name and protocol (egress named ports are resolved per destination).
func (c *compiler) namedPortSet(name string, proto corev1.Protocol) string {
	setName := c.o.IPSetPrefix + "n" + strings.ToLower(shortHash("named", name, string(proto)))
	if _, ok := c.sets[setName]; ok {
		return setName
	}
	var entries []string
	for _, pp := range c.pods {
		if port, ok := namedPort(pp.pod, name, proto); ok {
			entries = append(entries, fmt.Sprintf("%s,%s:%d", pp.ip, strings.ToLower(string(proto)), port))
		}
	}
	return c.addSet(setName, "hash:ip,port", entries)
}

func namedPort(p *corev1.Pod, name string, proto corev1.Protocol) (int32, bool) {
	check := func(cs []corev1.Container) (int32, bool) {
		for _, ct := range cs {
			for _, cp := range ct.Ports {
				cpProto := cp.Protocol
				if cpProto == "" {
					cpProto = corev1.ProtocolTCP
				}
				if cp.Name == name && cpProto == proto {
					return cp.ContainerPort, true
				}
			}
		}
		return 0, false
	}
	if v, ok := check(p.Spec.Containers); ok {
		return v, ok
	}
	return check(p.Spec.InitContainers)
}

type direction int

const (
	dirIngress direction = iota
	dirEgress
)

// peerArgs returns one match-argument list per peer; nil slice entry means "everyone".
// ok=false: the rule's peer list matches nobody.
func (c *compiler) peerArgs(policyNs string, peers []netv1.NetworkPolicyPeer, d direction) [][]string {
	flag := "src"
	if d == dirEgress {
		flag = "dst"
	}
	if len(peers) == 0 {
		return [][]string{nil}
	}
	var out [][]string
	for _, p := range peers {
		switch {
		case p.IPBlock != nil:
			if s := c.ipBlockSet(p.IPBlock); s != "" {
				out = append(out, []string{"-m", "set", "--match-set", s, flag})
			}
		case p.PodSelector != nil || p.NamespaceSelector != nil:
			out = append(out, []string{"-m", "set", "--match-set", c.selectorSet(policyNs, p), flag})
		}
	}
	return out
}

// portArgs returns one match-argument list per port entry; nil entry means "all ports".
func (c *compiler) portArgs(ports []netv1.NetworkPolicyPort, d direction, target *corev1.Pod) [][]string {
	if len(ports) == 0 {
		return [][]string{nil}
	}
	var out [][]string
	for _, pt := range ports {
		proto := corev1.ProtocolTCP
		if pt.Protocol != nil && *pt.Protocol != "" {
			proto = *pt.Protocol
		}
		lp := strings.ToLower(string(proto))
		base := []string{"-p", lp}
		switch {
		case pt.Port == nil:
			out = append(out, base)
		case pt.Port.Type == intstr.Int:
			spec := strconv.Itoa(int(pt.Port.IntVal))
			if pt.EndPort != nil && *pt.EndPort > pt.Port.IntVal {
				spec += ":" + strconv.Itoa(int(*pt.EndPort))
			}
			out = append(out, append(base, "-m", lp, "--dport", spec))
		default: // named
			if d == dirIngress {
				if port, ok := namedPort(target, pt.Port.StrVal, proto); ok {
					out = append(out, append(base, "-m", lp, "--dport", strconv.Itoa(int(port))))
				}
			} else {
				s := c.namedPortSet(pt.Port.StrVal, proto)
				out = append(out, append(base, "-m", "set", "--match-set", s, "dst,dst"))
			}
		}
	}
	return out
}

func sanitizeComment(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r > 0x7e {
			return '_'
		}
		return r
	}, s)
	if len(s) > 250 {
		s = s[:250]
	}
	return s
}

// Compile computes the desired state. It is deterministic for a given input.
func Compile(st State, o Options) (*Desired, error) {
	if o.ChainPrefix == "" || o.IPSetPrefix == "" {
		return nil, fmt.Errorf("chain and ipset prefixes must be set")
	}
	_, cidr, err := net.ParseCIDR(o.PodCIDR)
	if err != nil || cidr.IP.To4() == nil {
		return nil, fmt.Errorf("--pod-cidr %q: must be an IPv4 CIDR", o.PodCIDR)
	}
	o.PodCIDR = cidr.String()
	if o.AllowedAction == "" {
		o.AllowedAction = "ACCEPT"
	}
	c := &compiler{o: o, nsLabels: map[string]labels.Set{}, sets: map[string]*IPSet{}}
	for _, ns := range st.Namespaces {
		l := labels.Set{}
		for k, v := range ns.Labels {
			l[k] = v
		}
		l["kubernetes.io/metadata.name"] = ns.Name
		c.nsLabels[ns.Name] = l
	}
	c.pods = usablePods(st.Pods)
	policies := append([]*netv1.NetworkPolicy(nil), st.Policies...)
	sort.Slice(policies, func(i, j int) bool {
		return policies[i].Namespace+"/"+policies[i].Name < policies[j].Namespace+"/"+policies[j].Name
	})

	d := &Desired{}
	d.Stats.Policies = len(policies)
	d.Stats.Pods = len(c.pods)

	egressDispatch := Chain{Name: o.chain("EGRESS")}
	ingressDispatch := Chain{Name: o.chain("INGRESS")}
	var podChains []Chain

	for _, pp := range c.pods {
		if pp.pod.Spec.NodeName != o.NodeName {
			continue
		}
		d.Stats.LocalPods++
		var ing, egr []*netv1.NetworkPolicy
		for _, np := range policies {
			if np.Namespace != pp.pod.Namespace {
				continue
			}
			if !c.selector(&np.Spec.PodSelector, true).Matches(labels.Set(pp.pod.Labels)) {
				continue
			}
			i, e := policyTypes(np)
			if i {
				ing = append(ing, np)
			}
			if e {
				egr = append(egr, np)
			}
		}
		key := podKey(pp.pod)
		if len(ing) > 0 {
			d.Stats.IngressIsolated++
			ch := Chain{Name: o.chain("I-" + shortHash("ingress", key))}
			ch.Rules = append(ch.Rules, []string{"-s", pp.ip + "/32", "-m", "comment", "--comment", sanitizeComment(key + " self"), "-j", "RETURN"})
			for _, np := range ing {
				for ri, r := range np.Spec.Ingress {
					comment := sanitizeComment(fmt.Sprintf("%s/%s ingress[%d] -> %s", np.Namespace, np.Name, ri, key))
					ch.Rules = append(ch.Rules, c.crossRules(c.peerArgs(np.Namespace, r.From, dirIngress), c.portArgs(r.Ports, dirIngress, pp.pod), comment)...)
				}
			}
			ch.Rules = append(ch.Rules, []string{"-m", "comment", "--comment", sanitizeComment(key + " ingress default deny"), "-j", "DROP"})
			ch.Rules = dedupRules(ch.Rules)
			podChains = append(podChains, ch)
			ingressDispatch.Rules = append(ingressDispatch.Rules, []string{"-d", pp.ip + "/32", "-m", "comment", "--comment", sanitizeComment(key), "-j", ch.Name})
		}
		if len(egr) > 0 {
			d.Stats.EgressIsolated++
			ch := Chain{Name: o.chain("E-" + shortHash("egress", key))}
			ch.Rules = append(ch.Rules, []string{"-d", pp.ip + "/32", "-m", "comment", "--comment", sanitizeComment(key + " self"), "-j", "RETURN"})
			for _, np := range egr {
				for ri, r := range np.Spec.Egress {
					comment := sanitizeComment(fmt.Sprintf("%s/%s egress[%d] <- %s", np.Namespace, np.Name, ri, key))
					ch.Rules = append(ch.Rules, c.crossRules(c.peerArgs(np.Namespace, r.To, dirEgress), c.portArgs(r.Ports, dirEgress, nil), comment)...)
				}
			}
			ch.Rules = append(ch.Rules, []string{"-m", "comment", "--comment", sanitizeComment(key + " egress default deny"), "-j", "DROP"})
			ch.Rules = dedupRules(ch.Rules)
			podChains = append(podChains, ch)
			egressDispatch.Rules = append(egressDispatch.Rules, []string{"-s", pp.ip + "/32", "-m", "comment", "--comment", sanitizeComment(key), "-j", ch.Name})
		}
	}

	established := []string{"-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"}
	forward := Chain{Name: o.ForwardChain(), Rules: [][]string{
		{"-s", o.PodCIDR, "-j", o.chain("POD")},
		{"-d", o.PodCIDR, "-j", o.chain("POD")},
	}}
	pod := Chain{Name: o.chain("POD"), Rules: [][]string{
		established,
		{"-j", egressDispatch.Name},
		{"-j", ingressDispatch.Name},
	}}
	if o.AllowedAction == "ACCEPT" {
		pod.Rules = append(pod.Rules, []string{"-j", "ACCEPT"})
	}
	input := Chain{Name: o.InputChain(), Rules: [][]string{
		established,
		{"-j", egressDispatch.Name},
	}}
	sort.Slice(podChains, func(i, j int) bool { return podChains[i].Name < podChains[j].Name })
	d.Chains = append([]Chain{forward, input, pod, egressDispatch, ingressDispatch}, podChains...)

	names := make([]string, 0, len(c.sets))
	for n := range c.sets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d.Sets = append(d.Sets, *c.sets[n])
	}
	d.Stats.Sets = len(d.Sets)
	for _, ch := range d.Chains {
		d.Stats.Rules += len(ch.Rules)
	}
	d.Stats.InvalidSelectors = c.invalid
	return d, nil
}

// crossRules emits one RETURN rule per (peer, port) pair.
func (c *compiler) crossRules(peers, ports [][]string, comment string) [][]string {
	var out [][]string
	for _, pe := range peers {
		for _, po := range ports {
			r := []string{}
			r = append(r, po...)
			r = append(r, pe...)
			r = append(r, "-m", "comment", "--comment", comment, "-j", "RETURN")
			out = append(out, r)
		}
	}
	return out
}

func dedupRules(rules [][]string) [][]string {
	seen := map[string]bool{}
	var out [][]string
	for _, r := range rules {
		// Compare without the comment so identical matches from two policies collapse.
		k := strings.Join(stripComment(r), " ")
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, r)
	}
	return out
}

func stripComment(r []string) []string {
	var out []string
	for i := 0; i < len(r); i++ {
		if r[i] == "-m" && i+3 < len(r) && r[i+1] == "comment" && r[i+2] == "--comment" {
			i += 3
			continue
		}
		out = append(out, r[i])
	}
	return out
}
