// isoproof-netpol: a small NetworkPolicy (networking.k8s.io/v1) enforcer for the single-node
// local cluster, built on iptables (filter table) and ipset.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s isoproof-netpol: %s\n", time.Now().UTC().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
}

// health is what /healthz serves.
type health struct {
	mu         sync.Mutex
	Synced     bool      `json:"synced"`
	Generation int64     `json:"generation"`
	LastSync   time.Time `json:"lastSync"`
	LastError  string    `json:"lastError,omitempty"`
	Stats
}

func (h *health) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	body, _ := json.Marshal(h)
	synced := h.Synced
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !synced {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(append(body, '\n'))
}

// source yields the current state; Pods/Namespaces/Policies come from informers or a file.
type source interface {
	Snapshot() (State, error)
}

type informerSource struct {
	pods     cache.Indexer
	nss      cache.Indexer
	policies cache.Indexer
}

func (s *informerSource) Snapshot() (State, error) {
	var st State
	for _, o := range s.nss.List() {
		st.Namespaces = append(st.Namespaces, o.(*corev1.Namespace))
	}
	for _, o := range s.pods.List() {
		st.Pods = append(st.Pods, o.(*corev1.Pod))
	}
	for _, o := range s.policies.List() {
		st.Policies = append(st.Policies, o.(*netv1.NetworkPolicy))
	}
	return st, nil
}

// StateFile is the format of the hidden --state-file flag (tests without an API server).
type StateFile struct {
	Namespaces      []*corev1.Namespace    `json:"namespaces"`
	Pods            []*corev1.Pod          `json:"pods"`
	NetworkPolicies []*netv1.NetworkPolicy `json:"networkPolicies"`
}

type fileSource struct{ path string }

func (s fileSource) Snapshot() (State, error) {
	b, err := os.ReadFile(s.path)
	if err != nil {
		return State{}, err
	}
	var f StateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return State{}, fmt.Errorf("%s: %v", s.path, err)
	}
	return State{Namespaces: f.Namespaces, Pods: f.Pods, Policies: f.NetworkPolicies}, nil
}

func main() {
	var (
		kubeconfig  = flag.String("kubeconfig", "", "kubeconfig path (empty: in-cluster config)")
		nodeName    = flag.String("node-name", "", "this node's name: only pods with spec.nodeName equal to it are enforced (required)")
		podCIDR     = flag.String("pod-cidr", "", "the cluster's IPv4 pod CIDR, e.g. 10.244.0.0/16 (required)")
		chainPrefix = flag.String("chain-prefix", "ISOPROOF-NP", "prefix of our iptables chains (at most 12 chars)")
		ipsetPrefix = flag.String("ipset-prefix", "isoproof-np-", "prefix of our ipsets (at most 16 chars)")
		healthAddr  = flag.String("healthz", "127.0.0.1:10299", "listen address of /healthz (empty: off)")
		cleanup     = flag.Bool("cleanup", false, "remove all our chains, jump rules and ipsets, then exit")
		resync      = flag.Duration("resync", 30*time.Second, "full re-apply period")
		allowed     = flag.String("allowed-action", "ACCEPT", "target for allowed new pod traffic in FORWARD: ACCEPT or RETURN")
		stateFile   = flag.String("state-file", "", "")
	)
	flag.CommandLine.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage of isoproof-netpol:\n")
		flag.VisitAll(func(f *flag.Flag) {
			if f.Name != "state-file" { // hidden: tests only
				fmt.Fprintf(os.Stderr, "  --%s (default %q)\n    \t%s\n", f.Name, f.DefValue, f.Usage)
			}
		})
	}
	flag.Parse()

	fail := func(format string, args ...any) {
		logf("error: "+format, args...)
		os.Exit(2)
	}
	if len(*chainPrefix) == 0 || len(*chainPrefix) > 12 {
		fail("--chain-prefix must have 1 to 12 characters (iptables chain names are limited to 28)")
	}
	if len(*ipsetPrefix) == 0 || len(*ipsetPrefix) > 16 {
		fail("--ipset-prefix must have 1 to 16 characters (ipset names are limited to 31)")
	}
	o := Options{NodeName: *nodeName, ChainPrefix: *chainPrefix, IPSetPrefix: *ipsetPrefix, AllowedAction: *allowed}
	if *allowed != "ACCEPT" && *allowed != "RETURN" {
		fail("--allowed-action must be ACCEPT or RETURN")
	}
	applier := NewApplier(o)
	if *cleanup {
		if err := applier.Cleanup(); err != nil {
			fail("cleanup: %v", err)
		}
		logf("cleanup done")
		return
	}
	_, cidr, err := net.ParseCIDR(*podCIDR)
	if err != nil || cidr.IP.To4() == nil {
		fail("--pod-cidr %q: give the IPv4 pod CIDR, e.g. 10.244.0.0/16", *podCIDR)
	}
	o.PodCIDR = cidr.String()
	applier.o = o
	if *nodeName == "" {
		fail("--node-name is required (the name of this node as the apiserver knows it)")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)

	trigger := make(chan struct{}, 1)
	kick := func() {
		select {
		case trigger <- struct{}{}:
		default:
		}
	}

	// Signals: SIGHUP re-syncs (and re-reads --state-file); SIGTERM/SIGINT stop (cleanup below).
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGHUP {
				kick()
				continue
			}
			logf("%s: removing our rules and sets", sig)
			cancel()
			return
		}
	}()

	h := &health{}
	if *healthAddr != "" {
		ln, err := net.Listen("tcp", *healthAddr)
		if err != nil {
			fail("--healthz %s: %v", *healthAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/healthz", h)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
	}

	var src source
	if *stateFile != "" {
		src = fileSource{path: *stateFile}
	} else {
		cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
		if err != nil {
			fail("kubeconfig %q: %v", *kubeconfig, err)
		}
		cfg.UserAgent = "isoproof-netpol"
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			fail("client: %v", err)
		}
		f := informers.NewSharedInformerFactory(cs, 0)
		handler := cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { kick() },
			UpdateFunc: func(any, any) { kick() },
			DeleteFunc: func(any) { kick() },
		}
		pi := f.Core().V1().Pods().Informer()
		ni := f.Core().V1().Namespaces().Informer()
		npi := f.Networking().V1().NetworkPolicies().Informer()
		for _, inf := range []cache.SharedIndexInformer{pi, ni, npi} {
			if _, err := inf.AddEventHandler(handler); err != nil {
				fail("informer: %v", err)
			}
		}
		f.Start(ctx.Done())
		logf("waiting for the informers' first list (pods, namespaces, networkpolicies)")
		if !cache.WaitForCacheSync(ctx.Done(), pi.HasSynced, ni.HasSynced, npi.HasSynced) {
			logf("stopped before the informers synced; nothing was applied")
			if err := applier.Cleanup(); err != nil {
				logf("cleanup: %v", err)
			}
			return
		}
		src = &informerSource{pods: pi.GetIndexer(), nss: ni.GetIndexer(), policies: npi.GetIndexer()}
	}

	sync := func() {
		t0 := time.Now()
		st, err := src.Snapshot()
		var d *Desired
		if err == nil {
			d, err = Compile(st, o)
		}
		if err == nil {
			err = applier.Apply(d)
		}
		dur := time.Since(t0)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err != nil {
			h.LastError = err.Error()
			logf("sync failed after %s: %v (retrying in 2s)", dur.Round(time.Millisecond), err)
			time.AfterFunc(2*time.Second, kick)
			return
		}
		h.Synced = true
		h.Generation++
		h.LastSync = time.Now().UTC()
		h.LastError = ""
		h.Stats = d.Stats
		s := d.Stats
		logf("sync %d: policies=%d pods=%d local=%d ingressIsolated=%d egressIsolated=%d sets=%d rules=%d invalidSelectors=%d in %s",
			h.Generation, s.Policies, s.Pods, s.LocalPods, s.IngressIsolated, s.EgressIsolated, s.Sets, s.Rules, s.InvalidSelectors, dur.Round(time.Millisecond))
	}

	ticker := time.NewTicker(*resync)
	defer ticker.Stop()
	kick()
	for {
		select {
		case <-ctx.Done():
			if err := applier.Cleanup(); err != nil {
				logf("cleanup: %v", err)
				os.Exit(1)
			}
			logf("stopped")
			return
		case <-ticker.C:
			kick()
		case <-trigger:
			// Debounce: gather the burst of events that usually follows one change.
			timer := time.NewTimer(100 * time.Millisecond)
		drain:
			for {
				select {
				case <-trigger:
				case <-timer.C:
					break drain
				}
			}
			sync()
		}
	}
}
