import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { evaluate } from '@isoproof/core';
import type { CellResult, CellResultKind } from '../src/classify';
import { agrees, assessEnforcement, buildChecks, outcomeOf } from '../src/classify';
import { agentBudgetMs, agentPlan, parseAgentOutput, parseAgnhostConnect } from '../src/agent-protocol';
import { classifyNodeError, hostConnect } from '../src/host-connect';
import type { PlanCell, ProbePlan } from '../src/plan';
import { compilePlan } from '../src/compile';
import { findingsSection, truthTable } from '../src/sections';
import { percentile, waitStable } from '../src/stable';
import { A_CLIENT, A_SERVER, B_SERVER, criterion, tenantSnapshot } from './fixtures';

const res = (key: string, result: CellResultKind, latencyMs = 5): CellResult => ({ key, result, latencyMs, detail: '' });

/** Results as the cluster would give them if it enforced exactly the simulation. */
function simulatedResults(plan: ProbePlan, override: Record<string, CellResultKind> = {}): Map<string, CellResult> {
  const m = new Map<string, CellResult>();
  for (const c of plan.cells.values()) m.set(c.key, res(c.key, override[c.key] ?? (c.sim?.verdict === 'deny' ? 'timeout' : 'connected')));
  return m;
}

const criteria = [
  criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' }]),
  criterion('NET-T-03', [{ from: A_CLIENT, to: A_SERVER, port: 8080, expect: 'allow' }]),
];
const CROSS = 'tenant-a/client-1 -> tenant-b/server-1:8080/TCP';
const INTRA = 'tenant-a/client-1 -> tenant-a/server-1:8080/TCP';
const CONTROL = 'tenant-b/client-1 -> tenant-b/server-1:8080/TCP';

function verdicts(plan: ProbePlan, results: Map<string, CellResult>) {
  const enforcement = assessEnforcement(plan, results);
  const checks = buildChecks(plan, { timeoutMs: 1500, results, readiness: plan.readiness, enforcement }, criteria.map((c) => c.id));
  return Object.fromEntries(criteria.map((c) => [c.id, evaluate(c, checks.get(c.id) ?? [])]));
}

describe('classification', () => {
  it('maps results to observation outcomes: a refused is not a deny', () => {
    expect(outcomeOf('connected')).toBe('allowed');
    expect(outcomeOf('timeout')).toBe('denied');
    for (const k of ['refused', 'dns-error', 'unreachable', 'infra-error'] as const) expect(outcomeOf(k)).toBe('error');
    expect(agrees('timeout', 'denied')).toBe(true);
    expect(agrees('refused', 'denied')).toBe(false);
    expect(agrees('connected', 'allowed')).toBe(true);
    expect(agrees('connected', undefined)).toBe(true);
  });

  it('enforcing cluster as simulated: deny PASS with control, allow PASS', () => {
    const plan = compilePlan(criteria, tenantSnapshot());
    const out = verdicts(plan, simulatedResults(plan));
    expect(out['NET-T-01']!.verdict).toBe('PASS');
    expect(out['NET-T-03']!.verdict).toBe('PASS');
    const check = out['NET-T-01']!.checks[0]!;
    expect(check.control?.result).toBe('connected');
    expect(check.observation.evidence.sent).toBe('tcp connect to 10.244.0.22:8080 from pod tenant-a/client-1');
    expect(check.observation.evidence.notes?.[0]).toMatch(/^simulation: deny/);
  });

  it('a deny that connects FAILs and is reported as a disagreement with the simulation', () => {
    const plan = compilePlan(criteria, tenantSnapshot());
    // another known-deny cell still times out, so the cluster does enforce
    const extra = compilePlan([...criteria, criterion('NET-T-06', [{ from: A_CLIENT, to: A_SERVER, port: 9090, expect: 'deny' }])], tenantSnapshot());
    const results = simulatedResults(extra, { [CROSS]: 'connected' });
    expect(assessEnforcement(extra, results).state).toBe('enforcing');
    const out = verdicts(extra, results);
    expect(out['NET-T-01']!.verdict).toBe('FAIL');
    expect(out['NET-T-01']!.checks[0]!.observation.evidence.notes!.join('\n')).toMatch(/cluster disagrees with the simulation: observed connected, the policies say deny \(deciding: tenant-a\/default-deny-all/);
    void plan;
  });

  it('refused where a timeout was due is INCONCLUSIVE, never a PASS', () => {
    const plan = compilePlan(criteria, tenantSnapshot());
    const out = verdicts(plan, simulatedResults(plan, { [CROSS]: 'refused' }));
    expect(out['NET-T-01']!.verdict).toBe('INCONCLUSIVE');
    expect(out['NET-T-01']!.reason).toMatch(/a refused is not a deny/);
  });

  it('a failing control makes a deny INCONCLUSIVE', () => {
    const plan = compilePlan(criteria, tenantSnapshot());
    const out = verdicts(plan, simulatedResults(plan, { [CONTROL]: 'timeout' }));
    expect(out['NET-T-01']!.verdict).toBe('INCONCLUSIVE');
    expect(out['NET-T-01']!.reason).toMatch(/control failed/);
  });

  it('listener not up: an allow that times out is INCONCLUSIVE when the loopback is refused', () => {
    const plan = compilePlan(criteria, tenantSnapshot());
    const out = verdicts(plan, simulatedResults(plan, { [INTRA]: 'timeout', 'tenant-a/server-1 -> loopback:8080/TCP': 'refused' }));
    expect(out['NET-T-03']!.verdict).toBe('INCONCLUSIVE');
    expect(out['NET-T-03']!.reason).toMatch(/listener not up: tenant-a\/server-1:8080\/TCP gave refused/);
    // with the listener up the same timeout is a FAIL
    expect(verdicts(plan, simulatedResults(plan, { [INTRA]: 'timeout' }))['NET-T-03']!.verdict).toBe('FAIL');
  });

  it('a cluster that enforces nothing: every deny criterion INCONCLUSIVE', () => {
    const plan = compilePlan(criteria, tenantSnapshot());
    const all = new Map([...plan.cells.keys()].map((k) => [k, res(k, 'connected')]));
    expect(assessEnforcement(plan, all)).toMatchObject({ state: 'not-enforcing' });
    const out = verdicts(plan, all);
    expect(out['NET-T-01']!.verdict).toBe('INCONCLUSIVE');
    expect(out['NET-T-01']!.reason).toMatch(/cluster does not enforce NetworkPolicy/);
    expect(out['NET-T-03']!.verdict).toBe('PASS');
  });

  it('notes when the criteria disagree with the simulation', () => {
    const c = [criterion('NET-T-09', [{ from: A_CLIENT, to: A_SERVER, port: 9090, expect: 'allow' }])];
    const plan = compilePlan(c, tenantSnapshot());
    const results = simulatedResults(plan);
    const checks = buildChecks(plan, { timeoutMs: 1500, results, readiness: plan.readiness }, ['NET-T-09']);
    expect(checks.get('NET-T-09')![0]!.observation.evidence.notes!.join('\n')).toMatch(/the criterion expects allowed but the applied policies deny it/);
    const text = findingsSection('t', plan, results, { cells: plan.cells.size, execCalls: 2, ms: 1000, rounds: 1, enforcement: { state: 'unknown', reason: 'x' }, timeToEnforceMs: new Map(), unstable: [] });
    expect(text.type === 'text' && text.body).toMatch(/criteria vs simulation: 1 disagreement/);
  });

  it('planning problems become INCONCLUSIVE checks', () => {
    const c = [criterion('NET-T-05', [{ from: A_CLIENT, to: { external: true }, expect: 'deny' }])];
    const plan = compilePlan(c, tenantSnapshot());
    const checks = buildChecks(plan, { timeoutMs: 1500, results: new Map(), readiness: plan.readiness }, ['NET-T-05']);
    const o = evaluate(c[0]!, checks.get('NET-T-05')!);
    expect(o.verdict).toBe('INCONCLUSIVE');
    expect(o.reason).toMatch(/facts.externalTarget is not set/);
  });
});

describe('truth table', () => {
  it('renders . X ? with ! for cells that differ from the criteria and ~ for cells that differ from the simulation', () => {
    const plan = compilePlan(
      [...criteria, criterion('NET-T-06', [{ from: A_CLIENT, to: A_SERVER, port: 9090, expect: 'deny' }]), criterion('NET-T-07', [{ from: A_SERVER, to: B_SERVER, port: 8080, expect: 'deny' }])],
      tenantSnapshot(),
    );
    const results = simulatedResults(plan, { [CROSS]: 'connected', 'tenant-a/server-1 -> tenant-b/server-1:8080/TCP': 'refused' });
    const s = truthTable('t', plan, results);
    if (s.type !== 'grid') throw new Error('grid expected');
    expect(s.rowLabels).toEqual(['tenant-a/client-1', 'tenant-a/server-1']);
    expect(s.colLabels).toEqual(['tenant-a/server-1:8080/TCP', 'tenant-a/server-1:9090/TCP', 'tenant-b/server-1:8080/TCP']);
    expect(s.cells).toEqual([
      ['.', 'X', '.!~'],
      ['', '', '?'],
    ]);
    expect(s.legend).toContain('!');
  });
});

describe('waitStable', () => {
  it('re-probes only wrong cells until they agree, and records time-to-enforce', async () => {
    const plan = compilePlan(criteria, tenantSnapshot());
    let t = 0;
    const probed: string[][] = [];
    // the cross-tenant deny takes two rounds to be enforced
    let crossRounds = 0;
    const probe = async (cells: PlanCell[]) => {
      probed.push(cells.map((c) => c.key));
      const m = new Map<string, CellResult>();
      for (const c of cells) {
        let r: CellResultKind = c.sim?.verdict === 'deny' ? 'timeout' : 'connected';
        if (c.key === CROSS && crossRounds++ < 2) r = 'connected';
        m.set(c.key, res(c.key, r, 10));
      }
      t += 50;
      return m;
    };
    const s = await waitStable(plan, { probe, intervalMs: 500, capMs: 10_000, since: 0, now: () => t, sleep: async (ms) => void (t += ms) });
    expect(s.rounds).toBe(3);
    // the wrong deny is re-probed together with its controls: a deny and its controls come from one round
    const companions = plan.checks.find((c) => c.cell === CROSS)!.controls!.map((c) => c.key);
    expect(companions.length).toBeGreaterThan(0);
    expect([...probed[1]!].sort()).toEqual([CROSS, ...companions].sort());
    expect([...probed[2]!].sort()).toEqual([CROSS, ...companions].sort());
    expect(s.unstable).toEqual([]);
    expect(s.results.get(CROSS)!.result).toBe('timeout');
    expect(s.timeToEnforceMs.get(CROSS)).toBe(1100);
    expect(s.timeToEnforceMs.get(INTRA)).toBe(0);
  });

  it('stops at the cap and reports the unstable cells; never probes right cells again', async () => {
    const plan = compilePlan(criteria, tenantSnapshot());
    let t = 0;
    let calls = 0;
    const probe = async (cells: PlanCell[]) => {
      calls++;
      return new Map(cells.map((c) => [c.key, res(c.key, c.key === CROSS ? 'connected' : c.sim?.verdict === 'deny' ? 'timeout' : 'connected')]));
    };
    const s = await waitStable(plan, { probe, intervalMs: 500, capMs: 2000, now: () => t, sleep: async (ms) => void (t += ms) });
    expect(s.unstable).toEqual([CROSS]);
    expect(calls).toBe(5); // first round + 4 re-probes within 2 s
    expect(s.timeToEnforceMs.has(CROSS)).toBe(false);
  });

  it('percentile', () => {
    expect(percentile([], 95)).toBeUndefined();
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95)).toBe(19);
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });
});

describe('executor helpers', () => {
  const plan = compilePlan(criteria, tenantSnapshot());
  const cells = [...plan.cells.values()].slice(0, 3);

  it('agent plan and output round-trip by index; missing or bad lines become infra-error', () => {
    const p = JSON.parse(agentPlan(cells, 1500, 64));
    expect(p).toMatchObject({ timeoutMs: 1500, concurrency: 64 });
    expect(p.cells[0]).toEqual({ id: '0', host: cells[0]!.host, port: cells[0]!.port, protocol: cells[0]!.protocol });
    const out = ['{"id":"0","result":"timeout","latencyMs":1500,"detail":"i/o timeout"}', 'garbage', '{"id":"1","result":"weird"}', ''].join('\n');
    const parsed = parseAgentOutput(cells, out);
    expect(parsed[0]).toEqual({ key: cells[0]!.key, result: 'timeout', latencyMs: 1500, detail: 'i/o timeout' });
    expect(parsed[1]!.result).toBe('infra-error');
    expect(parsed[2]!.result).toBe('infra-error');
    expect(agentBudgetMs(3600 / 30, 1500, 64)).toBe(2 * 1500 + 2000);
  });

  it('a plan without concurrency lets every cell of a source wait at once: one timeout per batch (issue 13)', () => {
    expect(JSON.parse(agentPlan(cells, 1500))).not.toHaveProperty('concurrency');
    // a source's row of a 30 x 30 x 4 matrix: 120 cells, one wave
    expect(agentBudgetMs(120, 1500)).toBe(1500 + 2000);
    expect(agentBudgetMs(2048, 1500)).toBe(2 * 1500 + 2000);
  });

  it('parses agnhost connect output', () => {
    expect(parseAgnhostConnect(0, '', '').result).toBe('connected');
    expect(parseAgnhostConnect(1, '', 'TIMEOUT\n').result).toBe('timeout');
    expect(parseAgnhostConnect(1, '', 'REFUSED\n').result).toBe('refused');
    expect(parseAgnhostConnect(1, '', 'DNS: lookup x: no such host\n').result).toBe('dns-error');
    expect(parseAgnhostConnect(1, '', 'OTHER: dial tcp 10.0.0.1:80: connect: no route to host\n').result).toBe('unreachable');
    expect(parseAgnhostConnect(1, '', 'TIMEOUT: read udp: i/o timeout\n').result).toBe('timeout');
    expect(parseAgnhostConnect(1, '', 'OTHER: boom\n').result).toBe('infra-error');
  });

  it('trusts only agnhost connect result markers at the start of its one stderr line', () => {
    const table: Array<[number, string, string, string]> = [
      // exec / runtime failures that merely mention a timeout are not denies
      [1, '', 'error: Timeout occurred while waiting for the exec stream\n', 'infra-error'],
      [126, '', 'OCI runtime exec failed: context deadline exceeded (timeout)\n', 'infra-error'],
      [1, 'dial tcp: i/o timeout', '', 'infra-error'],
      [137, '', '', 'infra-error'],
      [127, '', 'exec: "/agnhost": stat /agnhost: no such file or directory\n', 'infra-error'],
      // a marker not at the start of the line, or among other lines, is not agnhost's verdict
      [1, '', 'warning: TIMEOUT\n', 'infra-error'],
      [1, '', 'something went wrong\nTIMEOUT\n', 'infra-error'],
      [1, '', 'TIMEOUTS are bad\n', 'infra-error'],
      [1, '', 'connection refused\n', 'infra-error'],
      [1, '', 'OTHER: dial tcp 10.0.0.1:80: connect: network is unreachable\n', 'unreachable'],
      [1, '', 'REFUSED\n', 'refused'],
      [1, '', '  TIMEOUT  \n', 'timeout'],
    ];
    for (const [code, out, err, want] of table) {
      expect({ code, out, err, got: parseAgnhostConnect(code, out, err).result }).toEqual({ code, out, err, got: want });
    }
    expect(classifyNodeError('ECONNREFUSED')).toBe('refused');
    expect(classifyNodeError('EHOSTUNREACH')).toBe('unreachable');
    expect(classifyNodeError('ENOTFOUND')).toBe('dns-error');
    expect(classifyNodeError(undefined)).toBe('infra-error');
  });

  it('hostConnect against real loopback listeners: connected, then refused once closed', async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const cell = { ...cells[0]!, host: '127.0.0.1', port, runner: { kind: 'host' as const } };
    expect((await hostConnect(cell, 1000)).result).toBe('connected');
    await new Promise<void>((r) => server.close(() => r()));
    expect((await hostConnect(cell, 1000)).result).toBe('refused');
  });

  it('p-limit map (executeCells bounds its execs with it) bounds concurrency and keeps order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await pLimit(3).map([1, 2, 3, 4, 5, 6, 7], async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return x * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });
});
