import { describe, expect, it } from 'vitest';
import { evaluate, images } from '@isoproof/core';
import type { Criterion } from '@isoproof/core';
import type { CellResult, CellResultKind } from '../src/classify';
import { NO_SOURCE_CONNECTION, assessEnforcement, buildChecks } from '../src/classify';
import type { ProbePlan } from '../src/plan';
import { compilePlan } from '../src/compile';
import { batchBySource, compileOptionsFromFacts } from '../src/plan';
import { nodeFallback } from '../src/host-connect';
import { nodeAgentObjects } from '../src/node-agents';
import { simulatedResults } from '../src/offline';
import type { SimPod, Snapshot } from '../src/types';
import { A_CLIENT, A_SERVER, B_CLIENT, B_SERVER, criterion, pod, tenantSnapshot } from './fixtures';

const CROSS = 'tenant-a/client-1 -> tenant-b/server-1:8080/TCP';
const TARGET_SIDE = 'tenant-b/client-1 -> tenant-b/server-1:8080/TCP';
const SOURCE_SIDE = 'tenant-a/client-1 -> tenant-a/server-1:8080/TCP';

/** Simulated cluster results, with some cells overridden. */
function results(plan: ProbePlan, override: Record<string, CellResultKind> = {}): Map<string, CellResult> {
  const out = simulatedResults(plan);
  for (const [k, r] of Object.entries(override)) out.set(k, { key: k, result: r, latencyMs: 1500, detail: 'test' });
  return out;
}

function verdict(c: Criterion, plan: ProbePlan, rs: Map<string, CellResult>) {
  const checks = buildChecks(plan, { timeoutMs: 1500, results: rs, readiness: plan.readiness, enforcement: assessEnforcement(plan, rs) }, [c.id]);
  return { outcome: evaluate(c, checks.get(c.id)!), checks: checks.get(c.id)! };
}

describe('controls of a deny (planning)', () => {
  it('cross-tenant deny: a target-side control AND a source-side one, added automatically when the criteria have none', () => {
    const plan = compilePlan([criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' }])], tenantSnapshot());
    const check = plan.checks[0]!;
    expect(check.id).toBe(CROSS);
    expect(check.controls).toEqual([
      { key: TARGET_SIDE, role: 'target', how: 'same target and port from tenant-b/client-1, which the policies allow' },
      { key: SOURCE_SIDE, role: 'source', how: `the same source connects where the policies allow it (added: ${SOURCE_SIDE})` },
    ]);
    expect(plan.cells.get(SOURCE_SIDE)!.sim?.verdict).toBe('allow');
    expect(check.controlHow).toContain('target: same target and port from tenant-b/client-1');
    expect(check.controlHow).toContain('source: the same source connects');
  });

  it("the source side reuses the criteria's own allowed cell of the same source", () => {
    const plan = compilePlan(
      [
        criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' }]),
        criterion('NET-T-03', [{ from: A_CLIENT, to: A_SERVER, port: 'udp', protocol: 'UDP', expect: 'allow' }]),
      ],
      tenantSnapshot(),
    );
    const src = plan.checks[0]!.controls!.find((c) => c.role === 'source')!;
    expect(src.key).toBe('tenant-a/client-1 -> tenant-a/server-1:8081/UDP');
    expect(src.how).toBe('the same source connects where the policies allow it (tenant-a/client-1 -> tenant-a/server-1:8081/UDP)');
  });

  it('a same-source control (same source and target, an allowed port) is enough alone', () => {
    const plan = compilePlan([criterion('NET-T-06', [{ from: A_CLIENT, to: A_SERVER, port: 9090, expect: 'deny' }])], tenantSnapshot());
    expect(plan.checks[0]!.controls).toEqual([
      { key: SOURCE_SIDE, role: 'same-source', how: 'same source and target, port 8080/TCP which the policies allow' },
    ]);
  });

  it('a source the policies let connect nowhere gets no source-side control (a planned reason instead)', () => {
    // servers have no egress at all in the tenant snapshot
    const plan = compilePlan([criterion('NET-T-05', [{ from: A_SERVER, to: { external: true }, expect: 'deny' }])], tenantSnapshot(), {
      externalTarget: '192.0.2.10:8443',
    });
    const check = plan.checks[0]!;
    expect(check.controls).toEqual([{ key: 'host -> external 192.0.2.10:8443/TCP', role: 'target', how: 'the runner host reaches the same external listener' }]);
    expect(check.sourceProblem).toMatch(/tenant-a\/server-1 connect nowhere/);
  });

  it('a Service with no running backend is a plan problem, never a connect to its cluster IP', () => {
    const snap = tenantSnapshot();
    snap.services.push({ namespace: 'tenant-b', name: 'ghost', clusterIP: '10.96.0.77', selector: { app: 'ghost' }, ports: [{ port: 80, targetPort: 8080 }] });
    const plan = compilePlan([criterion('NET-T-01', [{ from: A_CLIENT, to: { service: 'ghost.tenant-b' }, port: 80, expect: 'deny' }])], snap);
    expect(plan.checks[0]!.problem).toBe('service ghost.tenant-b has no running backend (no running pod matches its selector): cannot probe it');
    expect([...plan.cells.values()].filter((c) => c.host === '10.96.0.77' || c.runner.kind === 'host')).toEqual([]);
    const c = criterion('NET-T-01', [{ from: A_CLIENT, to: { service: 'ghost.tenant-b' }, port: 80, expect: 'deny' }]);
    expect(verdict(c, plan, results(plan)).outcome.verdict).toBe('INCONCLUSIVE');
  });
});

describe('controls of a deny (verdicts, no cluster)', () => {
  const c = criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' }]);

  it('a deny with only a target-side control and no successful same-source connection is INCONCLUSIVE', () => {
    const plan = compilePlan([c], tenantSnapshot());
    // the deny times out and the target side connects, but the source pod connects nowhere (no route / broken CNI)
    const rs = results(plan, { [CROSS]: 'timeout', [SOURCE_SIDE]: 'timeout' });
    expect(rs.get(TARGET_SIDE)!.result).toBe('connected');
    const { outcome, checks } = verdict(c, plan, rs);
    expect(outcome.verdict).toBe('INCONCLUSIVE');
    expect(outcome.reason).toContain(NO_SOURCE_CONNECTION);
    expect(checks[0]!.control!.outcome).toBe('error');
    expect(checks[0]!.control!.error).toContain(`${SOURCE_SIDE} gave timeout`);
  });

  it('INCONCLUSIVE as well when the source side could not even be planned', () => {
    const snap = tenantSnapshot();
    const plan = compilePlan([criterion('NET-T-02', [{ from: A_SERVER, to: B_CLIENT, port: 8080, expect: 'deny' }])], snap);
    // nothing may reach b-client:8080 (no target side) and a-server may send nowhere (no source side)
    expect(plan.checks[0]!.control).toBeUndefined();
    const withTarget = compilePlan(
      [criterion('NET-T-05', [{ from: A_SERVER, to: { external: true }, expect: 'deny' }])],
      snap,
      { externalTarget: '192.0.2.10:8443' },
    );
    const cExt = criterion('NET-T-05', [{ from: A_SERVER, to: { external: true }, expect: 'deny' }]);
    const { outcome } = verdict(cExt, withTarget, results(withTarget));
    expect(outcome.verdict).toBe('INCONCLUSIVE');
    expect(outcome.reason).toContain(NO_SOURCE_CONNECTION);
  });

  it('loopback inside the target alone is never enough', () => {
    const plan = compilePlan([criterion('NET-T-02', [{ from: B_SERVER, to: A_CLIENT, port: 8080, expect: 'deny' }])], tenantSnapshot());
    const cc = criterion('NET-T-02', [{ from: B_SERVER, to: A_CLIENT, port: 8080, expect: 'deny' }]);
    const { outcome, checks } = verdict(cc, plan, results(plan));
    expect(results(plan).get('tenant-a/client-1 -> loopback:8080/TCP')!.result).toBe('connected');
    expect(outcome.verdict).toBe('INCONCLUSIVE');
    expect(checks[0]!.control).toBeUndefined();
  });

  it('PASS with both sides connected; the evidence names both controls', () => {
    const plan = compilePlan([c], tenantSnapshot());
    const { outcome, checks } = verdict(c, plan, results(plan));
    expect(outcome.verdict).toBe('PASS');
    const ctl = checks[0]!.control!;
    expect(ctl.outcome).toBe('allowed');
    expect(ctl.evidence.sent).toContain('source side: tcp connect to 10.244.0.12:8080 from pod tenant-a/client-1');
    expect(ctl.evidence.notes).toContain('control, target side: same target and port from tenant-b/client-1, which the policies allow');
    expect(ctl.evidence.notes!.some((n) => n.startsWith('control, source side: the same source connects'))).toBe(true);
  });

  it('a failed target side stays INCONCLUSIVE even with the source side connected', () => {
    const plan = compilePlan([c], tenantSnapshot());
    expect(verdict(c, plan, results(plan, { [TARGET_SIDE]: 'timeout' })).outcome.verdict).toBe('INCONCLUSIVE');
  });

  it('a same-source control that connects is enough: PASS, noted as such', () => {
    const c6 = criterion('NET-T-06', [{ from: A_CLIENT, to: A_SERVER, port: 9090, expect: 'deny' }]);
    const plan = compilePlan([c6], tenantSnapshot());
    const { outcome, checks } = verdict(c6, plan, results(plan));
    expect(outcome.verdict).toBe('PASS');
    expect(checks[0]!.control!.evidence.notes).toContain('control (same source and target): same source and target, port 8080/TCP which the policies allow');
  });

  it('a connect that must be denied FAILs whatever the controls (on a cluster proven to enforce)', () => {
    const c2 = criterion('NET-T-01', [
      { from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' },
      { from: A_CLIENT, to: A_SERVER, port: 9090, expect: 'deny' },
    ]);
    const plan = compilePlan([c2], tenantSnapshot());
    expect(verdict(c2, plan, results(plan, { [CROSS]: 'connected' })).outcome.verdict).toBe('FAIL');
  });

  it('extra pods in the source namespace are candidates for the source side (namespace first)', () => {
    const snap = tenantSnapshot();
    snap.pods.push(pod('tenant-a', 'worker-1', { app: 'worker' }, '10.244.0.13', [{ name: 'http', containerPort: 8080 }]));
    const plan = compilePlan([c], snap);
    expect(plan.checks[0]!.controls!.find((x) => x.role === 'source')!.key).toMatch(/^tenant-a\/client-1 -> tenant-a\//);
  });
});

/** The quarantine case: tenant-a/quarantine-1 cut off from everything by an incident-isolation policy. */
const Q = { namespace: 'tenant-a', selector: { app: 'quarantine' } };
const IN = 'tenant-a/client-1 -> tenant-a/quarantine-1:8080/TCP';
const OUT = 'tenant-a/quarantine-1 -> tenant-b/server-1:8080/TCP';
const isolated = criterion('NET-T-07', [
  { from: A_CLIENT, to: Q, port: 8080, expect: 'deny' },
  { from: Q, to: B_SERVER, port: 8080, expect: 'deny' },
]);

const quarantinePod = (ports: SimPod['ports'] = [{ name: 'http', containerPort: 8080 }]) =>
  pod('tenant-a', 'quarantine-1', { app: 'quarantine', incident: 'isolated' }, '10.244.0.13', ports);

/** The tenant snapshot (its tenant namespaces labelled managed, its pods on node `othersOn`), plus `q` and the policy isolating it. */
function quarantineSnapshot(q: SimPod, o: { managed: boolean; othersOn?: string }): Snapshot {
  const snap = tenantSnapshot();
  for (const n of snap.namespaces) if (n.name.startsWith('tenant-') && o.managed) n.labels['isoproof.dev/managed'] = 'true';
  if (o.othersOn) for (const p of snap.pods) p.nodeName = o.othersOn;
  snap.pods.push(q);
  snap.policies.push({
    metadata: { namespace: 'tenant-a', name: 'incident-isolation' },
    spec: { podSelector: { matchLabels: { incident: 'isolated' } }, policyTypes: ['Ingress', 'Egress'] },
  });
  return snap;
}

describe('node handshake controls (provider fact podNetworkFromHost)', () => {
  const HANDSHAKE = 'host -> tenant-a/quarantine-1:8080/TCP';

  /** The tenant snapshot, our namespaces labelled managed, plus a pod cut off from everything. */
  function isolatedSnapshot(ports: SimPod['ports'] = [{ name: 'http', containerPort: 8080 }], managed = true) {
    return quarantineSnapshot(quarantinePod(ports), { managed });
  }

  it('compileOptionsFromFacts: only the exact string "true" enables node handshakes', () => {
    expect(compileOptionsFromFacts({ podNetworkFromHost: 'true', externalTarget: '192.0.2.10:80' })).toEqual({ podNetworkFromHost: true, externalTarget: '192.0.2.10:80' });
    expect(compileOptionsFromFacts({ podNetworkFromHost: 'false' })).toEqual({});
    expect(compileOptionsFromFacts({})).toEqual({});
  });

  it('plans a node handshake as the target side of an inbound deny and the source side of an outbound one', () => {
    const plan = compilePlan([isolated], isolatedSnapshot(), { podNetworkFromHost: true });
    const inbound = plan.checks.find((c) => c.id === IN)!;
    const outbound = plan.checks.find((c) => c.id === OUT)!;
    expect(inbound.controls!.map((c) => [c.key, c.role])).toEqual([
      [HANDSHAKE, 'target'],
      [SOURCE_SIDE, 'source'],
    ]);
    expect(outbound.controls!.map((c) => [c.key, c.role])).toEqual([
      [TARGET_SIDE, 'target'],
      [HANDSHAKE, 'source'],
    ]);
    const cell = plan.cells.get(HANDSHAKE)!;
    expect(cell).toMatchObject({ runner: { kind: 'host' }, host: '10.244.0.13', port: 8080, protocol: 'tcp', nodeHandshake: true });
    // only pods of the snapshot: every host cell goes to a pod IP of a managed namespace
    const hostCells = [...plan.cells.values()].filter((c) => c.runner.kind === 'host');
    expect(hostCells.map((c) => c.key)).toEqual([HANDSHAKE]);
  });

  it('isolated pod, both directions: PASS with node-handshake controls; the evidence says so', () => {
    const plan = compilePlan([isolated], isolatedSnapshot(), { podNetworkFromHost: true });
    const { outcome, checks } = verdict(isolated, plan, results(plan));
    expect(outcome.verdict).toBe('PASS');
    const inbound = checks.find((c) => c.id === IN)!.control!;
    expect(inbound.outcome).toBe('allowed');
    expect(inbound.evidence.sent).toContain('node handshake: tcp connect to 10.244.0.13:8080');
    expect(inbound.evidence.notes!.some((n) => n.startsWith('control, target side: node handshake:'))).toBe(true);
    const outbound = checks.find((c) => c.id === OUT)!.control!;
    expect(outbound.outcome).toBe('allowed');
    expect(outbound.evidence.sent).toContain('source side: node handshake: tcp connect to 10.244.0.13:8080');
    expect(outbound.evidence.notes!.some((n) => n.startsWith('control, source side: node handshake:'))).toBe(true);
  });

  it('INCONCLUSIVE without the fact (kind, existing clusters): no host connect is planned', () => {
    const plan = compilePlan([isolated], isolatedSnapshot());
    expect([...plan.cells.values()].filter((c) => c.runner.kind === 'host')).toEqual([]);
    const { outcome } = verdict(isolated, plan, results(plan));
    expect(outcome.verdict).toBe('INCONCLUSIVE');
  });

  it('INCONCLUSIVE when the node handshake fails (both directions)', () => {
    const plan = compilePlan([isolated], isolatedSnapshot(), { podNetworkFromHost: true });
    for (const r of ['timeout', 'refused'] as const) {
      const { outcome, checks } = verdict(isolated, plan, results(plan, { [HANDSHAKE]: r }));
      expect(outcome.verdict).toBe('INCONCLUSIVE');
      expect(checks.find((c) => c.id === IN)!.control!.outcome).not.toBe('allowed');
      expect(checks.find((c) => c.id === OUT)!.control!.error).toContain(`${NO_SOURCE_CONNECTION} (${HANDSHAKE} gave ${r}`);
    }
  });

  it('INCONCLUSIVE when the isolated source pod has no listener (nothing to hand-shake with)', () => {
    const c = criterion('NET-T-07', [{ from: Q, to: B_SERVER, port: 8080, expect: 'deny' }]);
    const plan = compilePlan([c], isolatedSnapshot([]), { podNetworkFromHost: true });
    expect(plan.checks[0]!.sourceProblem).toMatch(/no TCP listener for a node handshake/);
    expect(verdict(c, plan, results(plan)).outcome.verdict).toBe('INCONCLUSIVE');
  });

  it('never hand-shakes with a pod of a namespace the project does not manage', () => {
    const plan = compilePlan([isolated], isolatedSnapshot(undefined, false), { podNetworkFromHost: true });
    expect([...plan.cells.values()].filter((c) => c.runner.kind === 'host')).toEqual([]);
    expect(verdict(isolated, plan, results(plan)).outcome.verdict).toBe('INCONCLUSIVE');
  });

  it('a pod some allowed source reaches keeps its pod target-side control (no node handshake)', () => {
    const plan = compilePlan([criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' }])], isolatedSnapshot(), {
      podNetworkFromHost: true,
    });
    expect([...plan.cells.values()].filter((c) => c.runner.kind === 'host')).toEqual([]);
  });
});

describe('node handshakes from a hostNetwork node agent (pod-to-own-node traffic is always allowed)', () => {
  const AGENT = 'node worker-2 -> tenant-a/quarantine-1:8080/TCP';

  /** Tenant snapshot with every pod scheduled (worker-1), the isolated pod on worker-2. */
  function scheduledSnapshot(quarantineNode: string | null = 'worker-2') {
    const q = quarantinePod();
    if (quarantineNode) q.nodeName = quarantineNode;
    return quarantineSnapshot(q, { managed: true, othersOn: 'worker-1' });
  }

  it('without any provider fact: the agent on the pod\'s own node is the runner, both sides, and it PASSes', () => {
    const plan = compilePlan([isolated], scheduledSnapshot());
    expect(plan.checks.find((c) => c.id === IN)!.controls!.map((c) => [c.key, c.role])).toEqual([
      [AGENT, 'target'],
      [SOURCE_SIDE, 'source'],
    ]);
    expect(plan.checks.find((c) => c.id === OUT)!.controls!.map((c) => [c.key, c.role])).toEqual([
      [TARGET_SIDE, 'target'],
      [AGENT, 'source'],
    ]);
    expect(plan.cells.get(AGENT)).toMatchObject({ runner: { kind: 'node', node: 'worker-2' }, host: '10.244.0.13', port: 8080, protocol: 'tcp', nodeHandshake: true });
    expect(plan.cells.get(AGENT)!.runner).not.toHaveProperty('hostFallback');
    // nothing from the runner host, and only the isolated pod's node gets an agent
    expect([...plan.cells.values()].filter((c) => c.runner.kind !== 'pod').map((c) => c.key)).toEqual([AGENT]);
    const { outcome, checks } = verdict(isolated, plan, results(plan));
    expect(outcome.verdict).toBe('PASS');
    const inbound = checks.find((c) => c.id === IN)!.control!;
    expect(inbound.evidence.sent).toContain('node handshake from hostNetwork agent on node worker-2: tcp connect to 10.244.0.13:8080');
    expect(inbound.evidence.notes!.some((n) => n.includes('a hostNetwork agent on node worker-2'))).toBe(true);
  });

  it('one agent runner per node: pods on two nodes get two node runners', () => {
    const snap = scheduledSnapshot();
    const q2 = pod('tenant-b', 'quarantine-2', { app: 'quarantine', incident: 'isolated' }, '10.244.0.14', [{ name: 'http', containerPort: 8080 }]);
    q2.nodeName = 'worker-3';
    snap.pods.push(q2);
    snap.policies.push({
      metadata: { namespace: 'tenant-b', name: 'incident-isolation' },
      spec: { podSelector: { matchLabels: { incident: 'isolated' } }, policyTypes: ['Ingress', 'Egress'] },
    });
    const c = criterion('NET-T-08', [
      { from: A_CLIENT, to: Q, port: 8080, expect: 'deny' },
      { from: B_CLIENT, to: { namespace: 'tenant-b', selector: { app: 'quarantine' } }, port: 8080, expect: 'deny' },
    ]);
    const plan = compilePlan([c], snap);
    const nodes = [...batchBySource(plan.cells.values()).keys()].filter((k) => k.startsWith('node '));
    expect(nodes.sort()).toEqual(['node worker-2', 'node worker-3']);
  });

  it('with podNetworkFromHost the node cell may fall back to the runner host; without it, it may not', () => {
    const withFact = compilePlan([isolated], scheduledSnapshot(), { podNetworkFromHost: true });
    const runner = withFact.cells.get(AGENT)!.runner;
    expect(runner).toEqual({ kind: 'node', node: 'worker-2', hostFallback: true });
    expect(nodeFallback(runner as never, 'forbidden')).toMatchObject({ kind: 'host' });
    const without = compilePlan([isolated], scheduledSnapshot()).cells.get(AGENT)!.runner;
    const fb = nodeFallback(without as never, 'could not create a hostNetwork node agent on node worker-2: forbidden');
    expect(fb).toEqual({ kind: 'error', reason: expect.stringContaining('podNetworkFromHost is not "true"') });
  });

  it('INCONCLUSIVE when the agent could not be created and there is no fact (the handshake is an infra-error)', () => {
    const plan = compilePlan([isolated], scheduledSnapshot());
    const { outcome, checks } = verdict(isolated, plan, results(plan, { [AGENT]: 'infra-error' }));
    expect(outcome.verdict).toBe('INCONCLUSIVE');
    expect(checks.find((c) => c.id === OUT)!.control!.error).toContain(NO_SOURCE_CONNECTION);
  });

  it('INCONCLUSIVE when the pod is not scheduled (no node) and there is no fact: nothing is planned', () => {
    const plan = compilePlan([isolated], scheduledSnapshot(null));
    expect([...plan.cells.values()].filter((c) => c.runner.kind !== 'pod')).toEqual([]);
    expect(verdict(isolated, plan, results(plan)).outcome.verdict).toBe('INCONCLUSIVE');
  });

  it('nodeAgents: false keeps only the runner host (fact) path', () => {
    expect([...compilePlan([isolated], scheduledSnapshot(), { nodeAgents: false }).cells.values()].filter((c) => c.runner.kind !== 'pod')).toEqual([]);
    const plan = compilePlan([isolated], scheduledSnapshot(), { nodeAgents: false, podNetworkFromHost: true });
    expect(plan.cells.get('host -> tenant-a/quarantine-1:8080/TCP')!.runner).toEqual({ kind: 'host' });
  });
});

describe('node agent objects', () => {
  it('a privileged, managed, run-labelled namespace and one hostNetwork pause pod pinned per node', () => {
    const { objects, pods } = nodeAgentObjects('r0123456789', ['worker-2', 'worker-1']);
    expect(objects[0]).toMatchObject({
      kind: 'Namespace',
      metadata: {
        name: 'isoproof-node-agent-r0123456789',
        labels: { 'isoproof.dev/managed': 'true', 'isoproof.dev/run': 'r0123456789', 'pod-security.kubernetes.io/enforce': 'privileged' },
      },
    });
    expect([...pods]).toEqual([
      ['worker-1', 'node-agent-0'],
      ['worker-2', 'node-agent-1'],
    ]);
    const p = objects[2] as unknown as { spec: { nodeName: string; hostNetwork: boolean; containers: { image: string; command: string[] }[] } };
    expect(p.spec).toMatchObject({ nodeName: 'worker-2', hostNetwork: true });
    expect(p.spec.containers[0]).toMatchObject({ image: images.probe, command: ['/agnhost', 'pause'] });
  });
});
