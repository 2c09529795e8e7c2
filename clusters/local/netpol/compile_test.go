package main

import (
	"fmt"
	"net"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ---- a tiny interpreter of the rules we generate (only the grammar Compile emits) ----

type packet struct {
	src, dst string
	proto    string // tcp|udp|sctp
	port     int
}

func setHas(s IPSet, key string) bool {
	switch s.Type {
	case "hash:ip", "hash:ip,port":
		for _, e := range s.Entries {
			if e == key {
				return true
			}
		}
		return false
	case "hash:net":
		ip := net.ParseIP(key)
		best, bestOnes, nomatch := false, -1, false
		for _, e := range s.Entries {
			f := strings.Fields(e)
			_, n, err := net.ParseCIDR(f[0])
			if err != nil {
				panic(err)
			}
			ones, _ := n.Mask.Size()
			if n.Contains(ip) && ones > bestOnes {
				best, bestOnes, nomatch = true, ones, len(f) > 1 && f[1] == "nomatch"
			}
		}
		return best && !nomatch
	}
	panic("set type " + s.Type)
}

func cidrHas(c, ip string) bool {
	if !strings.Contains(c, "/") {
		c += "/32"
	}
	_, n, err := net.ParseCIDR(c)
	if err != nil {
		panic(err)
	}
	return n.Contains(net.ParseIP(ip))
}

func ruleMatches(t *testing.T, d *Desired, r []string, p packet) bool {
	sets := map[string]IPSet{}
	for _, s := range d.Sets {
		sets[s.Name] = s
	}
	for i := 0; i < len(r); i++ {
		switch r[i] {
		case "-s":
			if !cidrHas(r[i+1], p.src) {
				return false
			}
			i++
		case "-d":
			if !cidrHas(r[i+1], p.dst) {
				return false
			}
			i++
		case "-p":
			if r[i+1] != p.proto {
				return false
			}
			i++
		case "-m":
			switch r[i+1] {
			case "comment":
				i += 3
			case "conntrack": // test packets are NEW
				return false
			case "tcp", "udp", "sctp":
				if r[i+2] != "--dport" {
					t.Fatalf("unexpected %v", r)
				}
				spec := r[i+3]
				lo, hi := spec, spec
				if k := strings.Index(spec, ":"); k >= 0 {
					lo, hi = spec[:k], spec[k+1:]
				}
				var l, h int
				fmt.Sscan(lo, &l)
				fmt.Sscan(hi, &h)
				if p.port < l || p.port > h {
					return false
				}
				i += 3
			case "set":
				s, ok := sets[r[i+3]]
				if !ok {
					t.Fatalf("rule references unknown set %s", r[i+3])
				}
				var key string
				switch r[i+4] {
				case "src":
					key = p.src
				case "dst":
					key = p.dst
				case "dst,dst":
					key = fmt.Sprintf("%s,%s:%d", p.dst, p.proto, p.port)
				}
				if !setHas(s, key) {
					return false
				}
				i += 4
			default:
				t.Fatalf("unknown match %v", r)
			}
		case "-j":
			return true
		default:
			t.Fatalf("unknown token %q in %v", r[i], r)
		}
	}
	t.Fatalf("rule without -j: %v", r)
	return false
}

// walk returns ACCEPT, DROP or RETURN (fell off the chain).
func walk(t *testing.T, d *Desired, chain string, p packet, depth int) string {
	if depth > 10 {
		t.Fatal("loop")
	}
	var ch *Chain
	for i := range d.Chains {
		if d.Chains[i].Name == chain {
			ch = &d.Chains[i]
		}
	}
	if ch == nil {
		t.Fatalf("jump to unknown chain %s", chain)
	}
	for _, r := range ch.Rules {
		if !ruleMatches(t, d, r, p) {
			continue
		}
		target := r[len(r)-1]
		switch target {
		case "ACCEPT", "DROP":
			return target
		case "RETURN":
			return "RETURN"
		default:
			if v := walk(t, d, target, p, depth+1); v != "RETURN" {
				return v
			}
		}
	}
	return "RETURN"
}

// ---- fixtures ----

const node = "node-a"

func ns(name string, l map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}}
}

type cport struct {
	name  string
	port  int32
	proto corev1.Protocol
}

func pod(namespace, name, ip string, l map[string]string, ports ...cport) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: l},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c"}}},
		Status:     corev1.PodStatus{PodIP: ip, Phase: corev1.PodRunning},
	}
	for _, cp := range ports {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: cp.name, ContainerPort: cp.port, Protocol: cp.proto})
	}
	return p
}

func sel(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

func np(namespace, name string, podSel *metav1.LabelSelector, types []netv1.PolicyType, in []netv1.NetworkPolicyIngressRule, eg []netv1.NetworkPolicyEgressRule) *netv1.NetworkPolicy {
	return &netv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       netv1.NetworkPolicySpec{PodSelector: *podSel, PolicyTypes: types, Ingress: in, Egress: eg},
	}
}

func tcpPort(p int) netv1.NetworkPolicyPort {
	v := intstr.FromInt32(int32(p))
	return netv1.NetworkPolicyPort{Port: &v}
}

func namedPortP(name string, proto corev1.Protocol) netv1.NetworkPolicyPort {
	v := intstr.FromString(name)
	return netv1.NetworkPolicyPort{Port: &v, Protocol: &proto}
}

var (
	ingressOnly = []netv1.PolicyType{netv1.PolicyTypeIngress}
	egressOnly  = []netv1.PolicyType{netv1.PolicyTypeEgress}
	both        = []netv1.PolicyType{netv1.PolicyTypeIngress, netv1.PolicyTypeEgress}
)

// Base world: namespaces a (team=x), b (team=y), c (no labels); pods:
//
//	a/web 10.244.0.10 app=web (port http=8080/TCP, dns=53/UDP)
//	a/cli 10.244.0.11 app=cli
//	b/web 10.244.0.20 app=web (port http=9090/TCP)
//	b/cli 10.244.0.21 app=cli tier=fe
//	c/cli 10.244.0.30 app=cli
func baseState() State {
	return State{
		Namespaces: []*corev1.Namespace{ns("a", map[string]string{"team": "x"}), ns("b", map[string]string{"team": "y"}), ns("c", nil)},
		Pods: []*corev1.Pod{
			pod("a", "web", "10.244.0.10", map[string]string{"app": "web"}, cport{"http", 8080, corev1.ProtocolTCP}, cport{"dns", 53, corev1.ProtocolUDP}),
			pod("a", "cli", "10.244.0.11", map[string]string{"app": "cli"}),
			pod("b", "web", "10.244.0.20", map[string]string{"app": "web"}, cport{"http", 9090, ""}),
			pod("b", "cli", "10.244.0.21", map[string]string{"app": "cli", "tier": "fe"}),
			pod("c", "cli", "10.244.0.30", map[string]string{"app": "cli"}),
		},
	}
}

const (
	aWeb = "10.244.0.10"
	aCli = "10.244.0.11"
	bWeb = "10.244.0.20"
	bCli = "10.244.0.21"
	cCli = "10.244.0.30"
	ext  = "192.0.2.7"
)

type expect struct {
	src, dst string
	proto    string
	port     int
	allowed  bool
	input    bool // pod -> node address (INPUT hook) instead of FORWARD
}

func tcp(src, dst string, port int, allowed bool) expect {
	return expect{src: src, dst: dst, proto: "tcp", port: port, allowed: allowed}
}

func testOpts() Options {
	return Options{NodeName: node, PodCIDR: "10.244.0.0/16", ChainPrefix: "ISOPROOF-NP", IPSetPrefix: "isoproof-np-"}
}

func check(t *testing.T, st State, exps []expect) {
	t.Helper()
	d, err := Compile(st, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exps {
		p := packet{src: e.src, dst: e.dst, proto: e.proto, port: e.port}
		var v string
		if e.input {
			if !cidrHas("10.244.0.0/16", e.src) {
				v = "RETURN" // the INPUT hook only jumps for pod sources
			} else {
				v = walk(t, d, "ISOPROOF-NP-INPUT", p, 0)
			}
		} else {
			v = walk(t, d, "ISOPROOF-NP-FORWARD", p, 0)
		}
		got := v != "DROP"
		if got != e.allowed {
			t.Errorf("%s %s -> %s:%d: allowed=%v (verdict %s), want %v\n%s", e.proto, e.src, e.dst, e.port, got, v, e.allowed, RenderIptables(d, nil))
		}
	}
}

func TestCompileSemantics(t *testing.T) {
	udp := corev1.ProtocolUDP
	sctp := corev1.ProtocolSCTP
	end := int32(8090)
	cases := []struct {
		name     string
		policies []*netv1.NetworkPolicy
		mutate   func(*State)
		exps     []expect
	}{
		{
			name: "no policy: everything allowed",
			exps: []expect{tcp(aCli, aWeb, 80, true), tcp(cCli, bWeb, 1, true), tcp(ext, aWeb, 80, true), tcp(aWeb, ext, 443, true)},
		},
		{
			name:     "default deny ingress in a",
			policies: []*netv1.NetworkPolicy{np("a", "deny", sel(), ingressOnly, nil, nil)},
			exps: []expect{tcp(aCli, aWeb, 8080, false), tcp(bCli, aWeb, 8080, false), tcp(ext, aCli, 22, false),
				tcp(aWeb, bWeb, 9090, true), tcp(bCli, bWeb, 9090, true), tcp(aWeb, aWeb, 8080, true) /* self */},
		},
		{
			name: "allow same namespace",
			policies: []*netv1.NetworkPolicy{np("a", "same-ns", sel(), nil,
				[]netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{{PodSelector: sel()}}}}, nil)},
			exps: []expect{tcp(aCli, aWeb, 8080, true), tcp(bCli, aWeb, 8080, false), tcp(ext, aWeb, 8080, false)},
		},
		{
			name: "namespaceSelector",
			policies: []*netv1.NetworkPolicy{np("a", "from-team-y", sel("app", "web"), ingressOnly,
				[]netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{{NamespaceSelector: sel("team", "y")}}}}, nil)},
			exps: []expect{tcp(bCli, aWeb, 8080, true), tcp(bWeb, aWeb, 1, true), tcp(aCli, aWeb, 8080, false), tcp(cCli, aWeb, 8080, false),
				tcp(cCli, aCli, 8080, true) /* a/cli not selected */},
		},
		{
			name: "namespace selector by kubernetes.io/metadata.name",
			policies: []*netv1.NetworkPolicy{np("a", "from-c", sel("app", "web"), ingressOnly,
				[]netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{{NamespaceSelector: sel("kubernetes.io/metadata.name", "c")}}}}, nil)},
			exps: []expect{tcp(cCli, aWeb, 8080, true), tcp(bCli, aWeb, 8080, false)},
		},
		{
			name: "AND peer (namespaceSelector + podSelector in one element) vs OR (two elements)",
			policies: []*netv1.NetworkPolicy{
				np("a", "and", sel("app", "web"), ingressOnly, []netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{
					{NamespaceSelector: sel("team", "y"), PodSelector: sel("tier", "fe")}}}}, nil),
				np("b", "or", sel("app", "web"), ingressOnly, []netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{
					{NamespaceSelector: sel("team", "x")}, {PodSelector: sel("tier", "fe")}}}}, nil),
			},
			exps: []expect{
				tcp(bCli, aWeb, 8080, true), tcp(bWeb, aWeb, 8080, false), tcp(aCli, aWeb, 8080, false),
				tcp(aCli, bWeb, 9090, true), tcp(aWeb, bWeb, 9090, true), tcp(bCli, bWeb, 9090, true), tcp(cCli, bWeb, 9090, false),
			},
		},
		{
			name: "ipBlock with except (applies to pod IPs too)",
			policies: []*netv1.NetworkPolicy{np("a", "cidr", sel("app", "web"), ingressOnly,
				[]netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{{IPBlock: &netv1.IPBlock{CIDR: "10.244.0.0/24", Except: []string{"10.244.0.20/30"}}}}}}, nil)},
			exps: []expect{tcp(aCli, aWeb, 8080, true), tcp(cCli, aWeb, 8080, true), tcp(bCli, aWeb, 8080, false), tcp(bWeb, aWeb, 8080, false), tcp(ext, aWeb, 8080, false)},
		},
		{
			name: "egress ipBlock 0.0.0.0/0 except the pod CIDR",
			policies: []*netv1.NetworkPolicy{np("a", "internet-only", sel("app", "cli"), egressOnly, nil,
				[]netv1.NetworkPolicyEgressRule{{To: []netv1.NetworkPolicyPeer{{IPBlock: &netv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.244.0.0/16"}}}}}})},
			exps: []expect{tcp(aCli, ext, 443, true), tcp(aCli, aWeb, 8080, false), tcp(aCli, "203.0.113.9", 80, true), tcp(aWeb, aCli, 1, true)},
		},
		{
			name: "named port on ingress resolves on the target pod",
			policies: []*netv1.NetworkPolicy{np("a", "http", sel("app", "web"), ingressOnly,
				[]netv1.NetworkPolicyIngressRule{{Ports: []netv1.NetworkPolicyPort{namedPortP("http", corev1.ProtocolTCP), namedPortP("dns", udp)}}}, nil)},
			exps: []expect{tcp(cCli, aWeb, 8080, true), tcp(cCli, aWeb, 9090, false), tcp(cCli, aWeb, 53, false),
				{src: cCli, dst: aWeb, proto: "udp", port: 53, allowed: true}, {src: cCli, dst: aWeb, proto: "udp", port: 8080, allowed: false}},
		},
		{
			name: "named port on egress resolves per destination pod",
			policies: []*netv1.NetworkPolicy{np("c", "to-http", sel(), egressOnly, nil,
				[]netv1.NetworkPolicyEgressRule{{Ports: []netv1.NetworkPolicyPort{namedPortP("http", corev1.ProtocolTCP)}}})},
			exps: []expect{tcp(cCli, aWeb, 8080, true), tcp(cCli, bWeb, 9090, true), tcp(cCli, aWeb, 9090, false), tcp(cCli, bWeb, 8080, false),
				tcp(cCli, aCli, 8080, false), tcp(cCli, ext, 8080, false)},
		},
		{
			name: "endPort range and protocols",
			policies: []*netv1.NetworkPolicy{np("a", "range", sel("app", "web"), ingressOnly,
				[]netv1.NetworkPolicyIngressRule{{Ports: []netv1.NetworkPolicyPort{
					func() netv1.NetworkPolicyPort { p := tcpPort(8080); p.EndPort = &end; return p }(),
					{Protocol: &sctp}, // all SCTP ports
				}}}, nil)},
			exps: []expect{tcp(aCli, aWeb, 8080, true), tcp(aCli, aWeb, 8085, true), tcp(aCli, aWeb, 8090, true), tcp(aCli, aWeb, 8091, false), tcp(aCli, aWeb, 8079, false),
				{src: aCli, dst: aWeb, proto: "udp", port: 8080, allowed: false}, {src: aCli, dst: aWeb, proto: "sctp", port: 7, allowed: true}},
		},
		{
			name:     "egress-only policy does not isolate ingress",
			policies: []*netv1.NetworkPolicy{np("a", "egress-deny", sel("app", "web"), egressOnly, nil, nil)},
			exps:     []expect{tcp(aWeb, aCli, 80, false), tcp(aWeb, ext, 80, false), tcp(aCli, aWeb, 8080, true), tcp(ext, aWeb, 8080, true)},
		},
		{
			name: "policyTypes default includes Egress when egress rules exist",
			policies: []*netv1.NetworkPolicy{np("a", "implicit", sel("app", "cli"), nil, nil,
				[]netv1.NetworkPolicyEgressRule{{To: []netv1.NetworkPolicyPeer{{PodSelector: sel("app", "web")}}}})},
			exps: []expect{tcp(aCli, aWeb, 8080, true), tcp(aCli, bWeb, 9090, false), tcp(aWeb, aCli, 1, false) /* ingress default-deny too */},
		},
		{
			name: "multiple policies are a union",
			policies: []*netv1.NetworkPolicy{
				np("a", "p1", sel("app", "web"), ingressOnly, []netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{{PodSelector: sel("app", "cli")}}, Ports: []netv1.NetworkPolicyPort{tcpPort(8080)}}}, nil),
				np("a", "p2", sel("app", "web"), ingressOnly, []netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{{NamespaceSelector: sel("team", "y")}}, Ports: []netv1.NetworkPolicyPort{tcpPort(9000)}}}, nil),
				np("a", "p3-deny-all", sel(), ingressOnly, nil, nil),
			},
			exps: []expect{tcp(aCli, aWeb, 8080, true), tcp(aCli, aWeb, 9000, false), tcp(bCli, aWeb, 9000, true), tcp(bCli, aWeb, 8080, false), tcp(cCli, aWeb, 8080, false)},
		},
		{
			name: "both directions must allow",
			policies: []*netv1.NetworkPolicy{
				np("a", "cli-egress", sel("app", "cli"), egressOnly, nil, []netv1.NetworkPolicyEgressRule{{To: []netv1.NetworkPolicyPeer{{NamespaceSelector: sel()}}}}),
				np("b", "web-ingress", sel("app", "web"), ingressOnly, []netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{{PodSelector: sel()}}}}, nil),
			},
			exps: []expect{tcp(aCli, bWeb, 9090, false) /* egress ok, ingress denies */, tcp(bCli, bWeb, 9090, true), tcp(aCli, aWeb, 8080, true), tcp(aCli, ext, 80, false)},
		},
		{
			name: "matchExpressions In NotIn Exists DoesNotExist",
			policies: []*netv1.NetworkPolicy{np("a", "expr", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "db"}}}}, ingressOnly,
				[]netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{
					{NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpExists}}},
						PodSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpDoesNotExist}, {Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"web"}}}}},
				}}}, nil)},
			exps: []expect{tcp(aCli, aWeb, 8080, true), tcp(bCli, aWeb, 8080, false) /* tier exists */, tcp(bWeb, aWeb, 8080, false) /* app=web */, tcp(cCli, aWeb, 8080, false) /* ns c has no team */, tcp(cCli, aCli, 1, true)},
		},
		{
			name:     "hostNetwork and IP-less pods ignored; pods on other nodes are peers but not enforced",
			policies: []*netv1.NetworkPolicy{np("b", "deny", sel(), both, []netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{{NamespaceSelector: sel("team", "x")}}}}, nil)},
			mutate: func(st *State) {
				hn := pod("a", "hostnet", "10.0.0.1", map[string]string{"app": "cli"})
				hn.Spec.HostNetwork = true
				noip := pod("b", "pending", "", nil)
				remote := pod("a", "remote", "10.244.1.5", map[string]string{"app": "x"})
				remote.Spec.NodeName = "node-b"
				remoteB := pod("b", "remote", "10.244.1.6", nil)
				remoteB.Spec.NodeName = "node-b"
				st.Pods = append(st.Pods, hn, noip, remote, remoteB)
			},
			exps: []expect{tcp("10.244.1.5", bWeb, 9090, true), tcp("10.0.0.1", bWeb, 9090, false), tcp(aCli, "10.244.1.6", 1, true) /* remote pod not enforced here */, tcp(bWeb, aCli, 1, false) /* egress deny */},
		},
		{
			name: "pod to node address (INPUT) is egress-checked",
			policies: []*netv1.NetworkPolicy{np("a", "to-apiserver", sel("app", "cli"), egressOnly, nil,
				[]netv1.NetworkPolicyEgressRule{{To: []netv1.NetworkPolicyPeer{{IPBlock: &netv1.IPBlock{CIDR: "172.18.0.2/32"}}}, Ports: []netv1.NetworkPolicyPort{tcpPort(6443)}}})},
			exps: []expect{{src: aCli, dst: "172.18.0.2", proto: "tcp", port: 6443, allowed: true, input: true}, {src: aCli, dst: "172.18.0.2", proto: "tcp", port: 10250, allowed: false, input: true},
				{src: aWeb, dst: "172.18.0.2", proto: "tcp", port: 10250, allowed: true, input: true}},
		},
		{
			name: "peer pods that finished are not members; invalid selector matches nothing",
			policies: []*netv1.NetworkPolicy{np("a", "bad", sel("app", "web"), ingressOnly, []netv1.NetworkPolicyIngressRule{{From: []netv1.NetworkPolicyPeer{
				{PodSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}},
				{PodSelector: sel("app", "done")}}}}, nil)},
			mutate: func(st *State) {
				done := pod("a", "done", "10.244.0.99", map[string]string{"app": "done"})
				done.Status.Phase = corev1.PodSucceeded
				st.Pods = append(st.Pods, done)
			},
			exps: []expect{tcp("10.244.0.99", aWeb, 8080, false), tcp(aCli, aWeb, 8080, false)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := baseState()
			st.Policies = tc.policies
			if tc.mutate != nil {
				tc.mutate(&st)
			}
			check(t, st, tc.exps)
		})
	}
}

func TestCompileRejectsBadOptions(t *testing.T) {
	o := testOpts()
	o.PodCIDR = "fd00::/64"
	if _, err := Compile(baseState(), o); err == nil {
		t.Fatal("want error for IPv6 pod CIDR")
	}
}
