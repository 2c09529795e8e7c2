package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freePort returns a loopback TCP port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// listenUDP opens a loopback UDP socket on a free port, closed when the test ends.
func listenUDP(t *testing.T) net.PacketConn {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// freeUDPPort returns a loopback UDP port nobody listens on.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c := listenUDP(t)
	_ = c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// udpServer answers "echo X" with X (the agnhost netexec UDP protocol) unless silent.
func udpServer(t *testing.T, silent bool) int {
	t.Helper()
	c := listenUDP(t)
	go func() {
		buf := make([]byte, 512)
		for {
			n, addr, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			msg := string(buf[:n])
			if !silent && strings.HasPrefix(msg, "echo ") {
				_, _ = c.WriteTo([]byte(strings.TrimPrefix(msg, "echo ")), addr)
			}
		}
	}()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// fullBacklogListener returns a port whose accept queue is full, so further SYNs are dropped.
func fullBacklogListener(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	// Fill the queue (never accepted).
	for i := 0; i < 3; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			t.Cleanup(func() { _ = c.Close() })
		}
	}
	return port
}

func run(t *testing.T, p Plan) []Result {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return Run(&p)
}

func TestTCPConnectedAndRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	open := l.Addr().(*net.TCPAddr).Port
	closed := freePort(t)
	rs := run(t, Plan{TimeoutMs: 1000, Cells: []Cell{
		{ID: "open", Host: "127.0.0.1", Port: open, Protocol: "tcp"},
		{ID: "closed", Host: "127.0.0.1", Port: closed, Protocol: "tcp"},
	}})
	if rs[0].ID != "open" || rs[0].Result != Connected {
		t.Fatalf("open: %+v", rs[0])
	}
	if rs[1].ID != "closed" || rs[1].Result != Refused {
		t.Fatalf("closed: %+v", rs[1])
	}
}

func TestTCPTimeoutOnDroppedSyn(t *testing.T) {
	port := fullBacklogListener(t)
	rs := run(t, Plan{TimeoutMs: 300, Cells: []Cell{{ID: "t", Host: "127.0.0.1", Port: port, Protocol: "tcp"}}})
	if rs[0].Result != Timeout {
		t.Skipf("kernel accepted the SYN despite a full backlog (%+v); timeout path covered by TestClassify", rs[0])
	}
	if rs[0].LatencyMs < 250 || rs[0].LatencyMs > 1500 {
		t.Fatalf("latency %d out of range", rs[0].LatencyMs)
	}
}

func TestUDP(t *testing.T) {
	echo := udpServer(t, false)
	silent := udpServer(t, true)
	closed := freeUDPPort(t)
	rs := run(t, Plan{TimeoutMs: 600, Cells: []Cell{
		{ID: "echo", Host: "127.0.0.1", Port: echo, Protocol: "udp"},
		{ID: "silent", Host: "127.0.0.1", Port: silent, Protocol: "udp"},
		{ID: "closed", Host: "127.0.0.1", Port: closed, Protocol: "udp"},
	}})
	want := []string{Connected, Timeout, Refused}
	for i, w := range want {
		if rs[i].Result != w {
			t.Errorf("%s: got %+v, want %s", rs[i].ID, rs[i], w)
		}
	}
	if !strings.Contains(rs[0].Detail, `"isoproof"`) {
		t.Errorf("echo detail: %q", rs[0].Detail)
	}
}

func TestDNS(t *testing.T) {
	silent := udpServer(t, true) // a resolver that never answers
	rs := run(t, Plan{TimeoutMs: 500, Resolver: fmt.Sprintf("127.0.0.1:%d", silent), Cells: []Cell{
		{ID: "hosts", Host: "localhost", Protocol: "dns"},
		{ID: "blackhole", Host: "svc.example.invalid", Protocol: "dns"},
		{ID: "tcp-name", Host: "svc.example.invalid", Port: 80, Protocol: "tcp"},
	}})
	if _, err := os.Stat("/etc/hosts"); err == nil && rs[0].Result != Connected {
		t.Errorf("localhost: %+v", rs[0])
	}
	if rs[1].Result != Timeout {
		t.Errorf("blackhole resolver: %+v", rs[1])
	}
	if rs[2].Result != DNSError {
		t.Errorf("tcp to unresolvable name: %+v", rs[2])
	}
}

func TestClassify(t *testing.T) {
	wrap := func(e error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", e)}
	}
	cases := []struct {
		err  error
		want string
	}{
		{nil, Connected},
		{wrap(syscall.ECONNREFUSED), Refused},
		{wrap(syscall.EHOSTUNREACH), Unreachable},
		{wrap(syscall.ENETUNREACH), Unreachable},
		{&net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}, Timeout},
		{&net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, DNSError},
		{&net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}, DNSError},
		{wrap(syscall.EPERM), InfraError},
		{errors.New("weird"), InfraError},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %s, want %s", c.err, got, c.want)
		}
	}
}

func TestValidateAndBudget(t *testing.T) {
	bad := []Plan{
		{TimeoutMs: 5},
		{Concurrency: 5000},
		{Cells: make([]Cell, maxCells+1)},
		{Cells: []Cell{{ID: "a", Host: "h", Port: 0, Protocol: "tcp"}}},
		{Cells: []Cell{{ID: "a", Host: "h", Port: 1, Protocol: "sctp"}}},
		{Cells: []Cell{{Host: "h", Port: 1, Protocol: "tcp"}}},
	}
	for i, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("plan %d: expected an error", i)
		}
	}
	p := Plan{Cells: make([]Cell, 130)}
	for i := range p.Cells {
		p.Cells[i] = Cell{ID: fmt.Sprint(i), Host: "127.0.0.1", Port: 1, Protocol: "tcp"}
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	// unset concurrency: every cell gets its socket at once (one wave), within the socket bound
	if p.TimeoutMs != 1500 || p.Concurrency != 130 {
		t.Fatalf("defaults: %+v", p)
	}
	if got, want := p.Budget(), 1500*time.Millisecond+2*time.Second; got != want {
		t.Fatalf("budget %v, want %v", got, want)
	}
	q := Plan{Concurrency: 50, Cells: p.Cells}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := q.Budget(), 3*1500*time.Millisecond+2*time.Second; got != want {
		t.Fatalf("budget with 50 sockets %v, want %v", got, want)
	}
	big := Plan{Cells: make([]Cell, 5000)}
	for i := range big.Cells {
		big.Cells[i] = Cell{ID: fmt.Sprint(i), Host: "127.0.0.1", Port: 1, Protocol: "tcp"}
	}
	if err := big.Validate(); err != nil {
		t.Fatal(err)
	}
	if big.Concurrency > defaultSocketBound || big.Concurrency > socketLimit() {
		t.Fatalf("socket bound %d exceeds %d or the open-file limit %d", big.Concurrency, defaultSocketBound, socketLimit())
	}
}

// droppedCells are `n` TCP cells whose SYN is dropped (a full accept queue): each proves a deny
// only by waiting out its whole timeout.
func droppedCells(t *testing.T, n int) []Cell {
	port := fullBacklogListener(t)
	cells := make([]Cell, n)
	for i := range cells {
		cells[i] = Cell{ID: fmt.Sprint(i), Host: "127.0.0.1", Port: port, Protocol: "tcp"}
	}
	return cells
}

// runDropped runs a plan of dropped cells with stats and its wall time; it skips the test when the
// kernel accepted a SYN despite a full backlog.
func runDropped(t *testing.T, p Plan) ([]Result, Stats, time.Duration) {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rs, st := RunWithStats(&p)
	el := time.Since(start)
	if rs[0].Result == Connected {
		t.Skipf("kernel accepted the SYN despite a full backlog (%+v)", rs[0])
	}
	return rs, st, el
}

// Issue 13: the denied cells of one source wait their timeout together. 120 dropped SYNs (a source's
// row of 30 pods x 4 ports) with a plan that names no concurrency take about one timeout, not one per
// wave of 64; each still waits the full timeout.
func TestDeniedCellsOfOneSourceWaitTogether(t *testing.T) {
	const timeout = 400
	cells := droppedCells(t, 120)
	rs, st, el := runDropped(t, Plan{TimeoutMs: timeout, Cells: cells})
	for _, r := range rs {
		if r.Result != Timeout || r.LatencyMs < timeout {
			t.Fatalf("every dropped cell must wait its whole %d ms timeout: %+v", timeout, r)
		}
	}
	if el > time.Duration(timeout*17/10)*time.Millisecond {
		t.Fatalf("120 denied cells took %v: they waited in waves, not together (bound %d, peak %d)", el, st.SocketBound, st.PeakOpenSockets)
	}
	if st.PeakOpenSockets != 120 {
		t.Fatalf("peak open sockets %d, want all 120 at once", st.PeakOpenSockets)
	}
}

// The number of open sockets never exceeds the bound: 120 dropped cells through 30 sockets take four
// waves, every cell still waiting its full timeout.
func TestOpenSocketsStayWithinTheBound(t *testing.T) {
	const timeout = 200
	rs, st, el := runDropped(t, Plan{TimeoutMs: timeout, Concurrency: 30, Cells: droppedCells(t, 120)})
	if st.PeakOpenSockets > 30 || st.SocketBound != 30 {
		t.Fatalf("bound 30, peak %d (stats %+v)", st.PeakOpenSockets, st)
	}
	if el < 4*timeout*time.Millisecond {
		t.Fatalf("4 waves of %d ms took only %v: a timeout was cut short", timeout, el)
	}
	for _, r := range rs {
		if r.Result != Timeout {
			t.Fatalf("%+v", r)
		}
	}
}

func TestConcurrencyBoundsWallTime(t *testing.T) {
	silent := udpServer(t, true)
	cells := make([]Cell, 40)
	for i := range cells {
		cells[i] = Cell{ID: fmt.Sprint(i), Host: "127.0.0.1", Port: silent, Protocol: "udp"}
	}
	start := time.Now()
	rs := run(t, Plan{TimeoutMs: 300, Concurrency: 40, Cells: cells})
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("40 concurrent timeouts took %v", el)
	}
	for _, r := range rs {
		if r.Result != Timeout {
			t.Fatalf("%+v", r)
		}
	}
}

// A dial cut short by the whole-plan budget did not wait its per-cell timeout: infra-error, not a deny.
func TestBudgetCutShortIsInfraError(t *testing.T) {
	silent := udpServer(t, true)
	p := Plan{TimeoutMs: 2000, Concurrency: 1, Cells: []Cell{{ID: "u", Host: "127.0.0.1", Port: silent, Protocol: "udp"}}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	pr := newProber(&p)
	parent, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	r := pr.probe(parent, p.Cells[0])
	if r.Result != InfraError || !strings.Contains(r.Detail, "plan budget exhausted") {
		t.Fatalf("cut short: %+v", r)
	}
	if r.LatencyMs >= 2000 {
		t.Fatalf("latency %d: the parent deadline did not cut it short", r.LatencyMs)
	}
	// The same cell with its full timeout and a live parent is a real timeout.
	p.TimeoutMs = 300
	pr = newProber(&p)
	if r := pr.probe(context.Background(), p.Cells[0]); r.Result != Timeout {
		t.Fatalf("full timeout: %+v", r)
	}
}

func TestCutShort(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	live := context.Background()
	sec := time.Second
	for _, tc := range []struct {
		name    string
		in      string
		parent  context.Context
		elapsed time.Duration
		want    string
	}{
		{"timeout, parent live", Timeout, live, 100 * time.Millisecond, Timeout},
		{"timeout, parent done, full timeout waited", Timeout, done, sec, Timeout},
		{"timeout, parent done, cut short", Timeout, done, 999 * time.Millisecond, InfraError},
		{"connected, parent done", Connected, done, 10 * time.Millisecond, Connected},
		{"refused, parent done", Refused, done, 10 * time.Millisecond, Refused},
	} {
		got := Result{ID: "x", Result: tc.in}.cutShort(tc.parent, tc.elapsed, sec)
		if got.Result != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got.Result, tc.want)
		}
	}
}
