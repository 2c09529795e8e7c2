package main

import (
	"math/rand"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
)

func richState() State {
	st := baseState()
	end := int32(8090)
	p := tcpPort(8080)
	p.EndPort = &end
	st.Policies = []*netv1.NetworkPolicy{
		np("a", "web", sel("app", "web"), nil, []netv1.NetworkPolicyIngressRule{{
			From:  []netv1.NetworkPolicyPeer{{PodSelector: sel("app", "cli")}, {NamespaceSelector: sel("team", "y"), PodSelector: sel()}, {IPBlock: &netv1.IPBlock{CIDR: "192.0.2.0/24", Except: []string{"192.0.2.128/25"}}}},
			Ports: []netv1.NetworkPolicyPort{p, namedPortP("http", corev1.ProtocolTCP)},
		}}, nil),
		np("c", "egress", sel(), egressOnly, nil, []netv1.NetworkPolicyEgressRule{{Ports: []netv1.NetworkPolicyPort{namedPortP("http", corev1.ProtocolTCP)}}}),
	}
	return st
}

func TestRenderIsDeterministic(t *testing.T) {
	st := richState()
	d1, err := Compile(st, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	want := RenderIptables(d1, []string{"ISOPROOF-NP-I-STALE", "ISOPROOF-NP-FORWARD"})
	wantSets := RenderIpsetRestore(d1.Sets)
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		s2 := richState()
		r.Shuffle(len(s2.Pods), func(a, b int) { s2.Pods[a], s2.Pods[b] = s2.Pods[b], s2.Pods[a] })
		r.Shuffle(len(s2.Namespaces), func(a, b int) { s2.Namespaces[a], s2.Namespaces[b] = s2.Namespaces[b], s2.Namespaces[a] })
		r.Shuffle(len(s2.Policies), func(a, b int) { s2.Policies[a], s2.Policies[b] = s2.Policies[b], s2.Policies[a] })
		d2, err := Compile(s2, testOpts())
		if err != nil {
			t.Fatal(err)
		}
		if got := RenderIptables(d2, []string{"ISOPROOF-NP-FORWARD", "ISOPROOF-NP-I-STALE"}); got != want {
			t.Fatalf("iptables text differs on shuffled input:\n%s\n---\n%s", got, want)
		}
		if got := RenderIpsetRestore(d2.Sets); got != wantSets {
			t.Fatalf("ipset text differs on shuffled input")
		}
	}

	lines := strings.Split(strings.TrimSpace(want), "\n")
	if lines[0] != "*filter" || lines[len(lines)-1] != "COMMIT" {
		t.Fatalf("framing: %q ... %q", lines[0], lines[len(lines)-1])
	}
	for _, l := range []string{
		":ISOPROOF-NP-FORWARD - [0:0]",
		":ISOPROOF-NP-I-STALE - [0:0]",
		"-A ISOPROOF-NP-FORWARD -s 10.244.0.0/16 -j ISOPROOF-NP-POD",
		"-A ISOPROOF-NP-FORWARD -d 10.244.0.0/16 -j ISOPROOF-NP-POD",
		"-A ISOPROOF-NP-POD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
		"-A ISOPROOF-NP-POD -j ISOPROOF-NP-EGRESS",
		"-A ISOPROOF-NP-POD -j ISOPROOF-NP-INGRESS",
		"-A ISOPROOF-NP-POD -j ACCEPT",
		"-A ISOPROOF-NP-INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
		"-A ISOPROOF-NP-INPUT -j ISOPROOF-NP-EGRESS",
		"-X ISOPROOF-NP-I-STALE",
	} {
		if !strings.Contains(want+"\n", l+"\n") {
			t.Errorf("missing line %q in\n%s", l, want)
		}
	}
	if strings.Contains(want, "-X ISOPROOF-NP-FORWARD") {
		t.Error("a desired chain must not be deleted")
	}
	if !strings.Contains(want, `--comment "a/web ingress default deny" -j DROP`) {
		t.Errorf("comments with spaces must be quoted:\n%s", want)
	}
	if !strings.Contains(want, "-p tcp -m tcp --dport 8080:8090 -m set --match-set isoproof-np-s") {
		t.Errorf("endPort range rule missing:\n%s", want)
	}
	// Chain and set name limits.
	for _, ch := range d1.Chains {
		if len(ch.Name) > 28 {
			t.Errorf("chain name too long: %s", ch.Name)
		}
	}
	for _, s := range d1.Sets {
		if len(tempSetName(s.Name)) > 31 || !strings.HasPrefix(s.Name, "isoproof-np-") {
			t.Errorf("bad set name %s", s.Name)
		}
	}
	// ipset restore: every set staged, swapped and the stage destroyed; excepts as nomatch.
	for _, s := range d1.Sets {
		for _, l := range []string{"create " + s.Name + " " + s.Type, "swap " + s.Name + "-t " + s.Name, "destroy " + s.Name + "-t"} {
			if !strings.Contains(wantSets, l) {
				t.Errorf("ipset text lacks %q", l)
			}
		}
	}
	if !strings.Contains(wantSets, " 192.0.2.128/25 nomatch\n") || !strings.Contains(wantSets, ",tcp:8080\n") {
		t.Errorf("ipset text:\n%s", wantSets)
	}
}

func TestRenderAllowedActionReturn(t *testing.T) {
	o := testOpts()
	o.AllowedAction = "RETURN"
	d, err := Compile(baseState(), o)
	if err != nil {
		t.Fatal(err)
	}
	if txt := RenderIptables(d, nil); strings.Contains(txt, "-A ISOPROOF-NP-POD -j ACCEPT") {
		t.Fatalf("RETURN mode must not accept:\n%s", txt)
	}
}

func TestRenderEmptyDesiredDeletesStale(t *testing.T) {
	txt := RenderIptables(&Desired{}, []string{"ISOPROOF-NP-B", "ISOPROOF-NP-A"})
	want := "*filter\n:ISOPROOF-NP-A - [0:0]\n:ISOPROOF-NP-B - [0:0]\n-X ISOPROOF-NP-A\n-X ISOPROOF-NP-B\nCOMMIT\n"
	if txt != want {
		t.Fatalf("got\n%s\nwant\n%s", txt, want)
	}
}
