// Command isoproof-prober runs a batch of network connects from inside one pod.
//
// It reads a JSON plan on stdin:
//
//	{"timeoutMs":1500,"concurrency":64,"cells":[{"id":"c1","host":"10.244.0.5","port":8080,"protocol":"tcp"}]}
//
// and prints one JSON line per cell, in plan order:
//
//	{"id":"c1","result":"connected","latencyMs":3,"detail":"..."}
//
// result is one of connected, refused, timeout, dns-error, unreachable, infra-error. Protocols:
// tcp (a connect), udp (sends "echo isoproof", the agnhost netexec UDP protocol, and waits for the
// reply), dns (resolves host; port is ignored). Work is bounded: at most 10000 cells, each cell at most
// timeoutMs, the whole plan at most timeoutMs*ceil(cells/concurrency)+2s.
//
// concurrency bounds the sockets open at once. Unset, every cell of the plan gets its own socket up
// to a bound (1024, and never more than the process's open-file limit allows), so the denied cells of
// one source wait out their timeout together, not in waves: a deny-heavy plan takes one timeout, not
// one per wave. The timeout that proves a deny is never shortened. A last line
// {"stats":{...}} (no id) reports cells, the bound, the peak of open sockets and the wall time.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	maxCells       = 10000
	maxConcurrency = 4096
	// defaultSocketBound is the most sockets a plan opens at once when it names no concurrency.
	defaultSocketBound = 1024
	udpPayload         = "echo isoproof"
	udpReply           = "isoproof"
)

// Result classifications.
const (
	Connected   = "connected"
	Refused     = "refused"
	Timeout     = "timeout"
	DNSError    = "dns-error"
	Unreachable = "unreachable"
	InfraError  = "infra-error"
)

type Cell struct {
	ID       string `json:"id"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
}

type Plan struct {
	TimeoutMs   int    `json:"timeoutMs"`
	Concurrency int    `json:"concurrency"`
	Cells       []Cell `json:"cells"`
	// Resolver, when set (host:port), is the DNS server used instead of /etc/resolv.conf (tests).
	Resolver string `json:"resolver,omitempty"`
}

type Result struct {
	ID        string `json:"id"`
	Result    string `json:"result"`
	LatencyMs int64  `json:"latencyMs"`
	Detail    string `json:"detail,omitempty"`
}

// Validate checks the plan bounds and fills defaults.
func (p *Plan) Validate() error {
	if p.TimeoutMs == 0 {
		p.TimeoutMs = 1500
	}
	if p.TimeoutMs < 10 || p.TimeoutMs > 60000 {
		return fmt.Errorf("timeoutMs must be within 10..60000, got %d", p.TimeoutMs)
	}
	if p.Concurrency < 0 || p.Concurrency > maxConcurrency {
		return fmt.Errorf("concurrency must be within 1..%d, got %d", maxConcurrency, p.Concurrency)
	}
	limit := socketLimit()
	if p.Concurrency == 0 {
		// every cell at once, up to the socket bound
		p.Concurrency = min(max(len(p.Cells), 1), defaultSocketBound, limit)
	} else {
		p.Concurrency = min(p.Concurrency, limit)
	}
	if len(p.Cells) > maxCells {
		return fmt.Errorf("at most %d cells per plan, got %d", maxCells, len(p.Cells))
	}
	for i, c := range p.Cells {
		if c.ID == "" {
			return fmt.Errorf("cells[%d].id: required", i)
		}
		if c.Host == "" {
			return fmt.Errorf("cells[%d].host: required", i)
		}
		switch c.Protocol {
		case "tcp", "udp":
			if c.Port < 1 || c.Port > 65535 {
				return fmt.Errorf("cells[%d].port: must be within 1..65535, got %d", i, c.Port)
			}
		case "dns":
		default:
			return fmt.Errorf("cells[%d].protocol: must be tcp, udp or dns, got %q", i, c.Protocol)
		}
	}
	return nil
}

// socketLimit is how many sockets the prober may hold open: the open-file soft limit minus a margin for
// stdio and the runtime (at least 1).
func socketLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return defaultSocketBound
	}
	n := int64(rl.Cur) - 32
	if n < 1 {
		return 1
	}
	if n > maxConcurrency {
		return maxConcurrency
	}
	return int(n)
}

// Budget is the most time the whole plan may take.
func (p *Plan) Budget() time.Duration {
	waves := (len(p.Cells) + p.Concurrency - 1) / p.Concurrency
	return time.Duration(p.TimeoutMs)*time.Millisecond*time.Duration(waves) + 2*time.Second
}

// Classify maps a dial/read error to a result.
func Classify(err error) string {
	if err == nil {
		return Connected
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return DNSError
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return Unreachable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Timeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Timeout
	}
	return InfraError
}

type prober struct {
	timeout  time.Duration
	resolver *net.Resolver
	// open counts the sockets open now; peak is its maximum over the run.
	open, peak atomic.Int64
}

// opened and closed account one socket (the bound is enforced by Run's semaphore).
func (pr *prober) opened() {
	n := pr.open.Add(1)
	for {
		p := pr.peak.Load()
		if n <= p || pr.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (pr *prober) closed() { pr.open.Add(-1) }

func newProber(p *Plan) *prober {
	pr := &prober{timeout: time.Duration(p.TimeoutMs) * time.Millisecond, resolver: &net.Resolver{PreferGo: true}}
	if p.Resolver != "" {
		addr := p.Resolver
		pr.resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}}
	}
	return pr
}

func (pr *prober) dialer() *net.Dialer {
	return &net.Dialer{Timeout: pr.timeout, Resolver: pr.resolver}
}

func (pr *prober) probe(parent context.Context, c Cell) Result {
	pr.opened()
	defer pr.closed()
	start := time.Now()
	ctx, cancel := context.WithTimeout(parent, pr.timeout)
	defer cancel()
	var result, detail string
	switch c.Protocol {
	case "tcp":
		result, detail = pr.tcp(ctx, c)
	case "udp":
		result, detail = pr.udp(ctx, c)
	case "dns":
		result, detail = pr.dns(ctx, c)
	}
	elapsed := time.Since(start)
	return Result{ID: c.ID, Result: result, LatencyMs: elapsed.Milliseconds(), Detail: detail}.cutShort(parent, elapsed, pr.timeout)
}

// cutShort turns a timeout into infra-error when the parent context (the whole-plan
// budget, or a cancellation) ended before the cell had its full per-cell timeout: a dial cut short
// by the budget did not wait long enough to prove a drop, so it is not a deny.
func (r Result) cutShort(parent context.Context, elapsed, timeout time.Duration) Result {
	if r.Result != Timeout || elapsed >= timeout {
		return r
	}
	// The parent is done, or its deadline fell before this cell's own: socket deadlines can fire a
	// moment before the context's timer marks it done.
	dl, ok := parent.Deadline()
	if parent.Err() == nil && !(ok && time.Until(dl) <= timeout-elapsed) {
		return r
	}
	r.Detail = fmt.Sprintf("plan budget exhausted after %d ms, before the %d ms cell timeout (%s): not a deny", elapsed.Milliseconds(), timeout.Milliseconds(), r.Detail)
	r.Result = InfraError
	return r
}

func target(c Cell) string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

func (pr *prober) tcp(ctx context.Context, c Cell) (string, string) {
	conn, err := pr.dialer().DialContext(ctx, "tcp", target(c))
	if err != nil {
		return Classify(err), err.Error()
	}
	detail := "connected to " + conn.RemoteAddr().String()
	_ = conn.Close()
	return Connected, detail
}

func (pr *prober) udp(ctx context.Context, c Cell) (string, string) {
	conn, err := pr.dialer().DialContext(ctx, "udp", target(c))
	if err != nil {
		return Classify(err), err.Error()
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	// A datagram may be lost: resend up to 3 times within the timeout.
	slice := time.Until(deadline) / 3
	buf := make([]byte, 512)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if _, err := conn.Write([]byte(udpPayload)); err != nil {
			return Classify(err), err.Error()
		}
		until := time.Now().Add(slice)
		if attempt == 2 || until.After(deadline) {
			until = deadline
		}
		_ = conn.SetReadDeadline(until)
		n, err := conn.Read(buf)
		if err == nil {
			reply := string(buf[:n])
			if reply == udpReply {
				return Connected, "reply " + strconv.Quote(reply)
			}
			return Connected, "unexpected reply " + strconv.Quote(reply)
		}
		lastErr = err
		if cls := Classify(err); cls != Timeout {
			return cls, err.Error()
		}
	}
	return Timeout, "no reply: " + lastErr.Error()
}

func (pr *prober) dns(ctx context.Context, c Cell) (string, string) {
	addrs, err := pr.resolver.LookupHost(ctx, c.Host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsTimeout || errors.Is(err, context.DeadlineExceeded) {
			return Timeout, err.Error()
		}
		return DNSError, err.Error()
	}
	return Connected, fmt.Sprintf("resolved %v", addrs)
}

// Stats of one run: how many sockets it could and did hold open at once, and its wall time.
type Stats struct {
	Cells           int   `json:"cells"`
	SocketBound     int   `json:"socketBound"`
	PeakOpenSockets int64 `json:"peakOpenSockets"`
	WallMs          int64 `json:"wallMs"`
}

// Run probes every cell with bounded concurrency and returns results in plan order. Cells not done
// when the plan budget is spent are reported as infra-error.
func Run(p *Plan) []Result {
	rs, _ := RunWithStats(p)
	return rs
}

// RunWithStats is Run with the run's socket statistics. At most p.Concurrency sockets are open at
// once; each cell holds its socket for at most the timeout.
func RunWithStats(p *Plan) ([]Result, Stats) {
	started := time.Now()
	pr := newProber(p)
	ctx, cancel := context.WithTimeout(context.Background(), p.Budget())
	defer cancel()
	results := make([]Result, len(p.Cells))
	done := make([]bool, len(p.Cells))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.Concurrency)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for i, c := range p.Cells {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func(i int, c Cell) {
				defer wg.Done()
				defer func() { <-sem }()
				r := pr.probe(ctx, c)
				mu.Lock()
				results[i], done[i] = r, true
				mu.Unlock()
			}(i, c)
		}
		wg.Wait()
	}()
	select {
	case <-finished:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	out := make([]Result, len(p.Cells))
	for i, c := range p.Cells {
		if done[i] {
			out[i] = results[i]
		} else {
			out[i] = Result{ID: c.ID, Result: InfraError, Detail: "plan budget exhausted before this cell ran"}
		}
	}
	return out, Stats{Cells: len(p.Cells), SocketBound: p.Concurrency, PeakOpenSockets: pr.peak.Load(), WallMs: time.Since(started).Milliseconds()}
}

func main() {
	// Decode one JSON value: do not wait for stdin EOF (exec transports differ in how they close it).
	var p Plan
	if err := json.NewDecoder(io.LimitReader(os.Stdin, 16<<20)).Decode(&p); err != nil {
		fmt.Fprintln(os.Stderr, "isoproof-prober: plan is not valid JSON:", err)
		os.Exit(2)
	}
	if err := p.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "isoproof-prober: invalid plan:", err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	results, stats := RunWithStats(&p)
	for _, r := range results {
		_ = enc.Encode(r)
	}
	_ = enc.Encode(struct {
		Stats Stats `json:"stats"`
	}{stats})
	_ = w.Flush()
}
