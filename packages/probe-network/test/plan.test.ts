import { describe, expect, it } from 'vitest';
import { compilePlan } from '../src/compile';
import { batchBySource } from '../src/plan';
import { validateNetworkSpec } from '../src/spec';
import { criteriaNamespaces } from '../src/family';
import { A_CLIENT, A_SERVER, B_CLIENT, B_SERVER, criterion, pod, tenantSnapshot } from './fixtures';

describe('compilePlan', () => {
  it('resolves cells to concrete pods, with the simulation of the applied policies', () => {
    const plan = compilePlan([criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' }])], tenantSnapshot());
    const check = plan.checks[0]!;
    expect(check.id).toBe('tenant-a/client-1 -> tenant-b/server-1:8080/TCP');
    const cell = plan.cells.get(check.cell!)!;
    expect(cell).toMatchObject({ host: '10.244.0.22', port: 8080, protocol: 'tcp', runner: { kind: 'pod', namespace: 'tenant-a', pod: 'client-1', container: 'main' } });
    expect(cell.sim?.verdict).toBe('deny');
    expect(cell.sim?.egress.isolatedBy).toEqual(['tenant-a/default-deny-all', 'tenant-a/allow-client-egress']);
    expect(cell.listener).toBe('tenant-b/server-1:8080/TCP');
  });

  it('deduplicates cells across criteria and batches them per source pod', () => {
    const c1 = criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' }]);
    const c2 = criterion('NET-T-02', [
      { from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' },
      { from: A_CLIENT, to: A_SERVER, port: 8080, expect: 'allow' },
    ]);
    const plan = compilePlan([c1, c2], tenantSnapshot());
    expect(plan.checks.map((c) => `${c.criterion} ${c.id}`)).toEqual([
      'NET-T-01 tenant-a/client-1 -> tenant-b/server-1:8080/TCP',
      'NET-T-02 tenant-a/client-1 -> tenant-b/server-1:8080/TCP',
      'NET-T-02 tenant-a/client-1 -> tenant-a/server-1:8080/TCP',
    ]);
    const keys = [...plan.cells.keys()];
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k === 'tenant-a/client-1 -> tenant-b/server-1:8080/TCP')).toHaveLength(1);
    const batches = batchBySource(plan.cells.values());
    // a-client runs its probes; b-client runs the control; each server runs its loopback readiness cell
    expect([...batches.keys()].sort()).toEqual(['tenant-a/client-1', 'tenant-a/server-1', 'tenant-b/client-1', 'tenant-b/server-1']);
    expect(batches.get('tenant-a/client-1')!.map((c) => c.key).sort()).toEqual([
      'tenant-a/client-1 -> tenant-a/server-1:8080/TCP',
      'tenant-a/client-1 -> tenant-b/server-1:8080/TCP',
    ]);
    expect(batches.get('tenant-b/server-1')!.map((c) => c.key)).toEqual(['tenant-b/server-1 -> loopback:8080/TCP']);
  });

  it('control: same source and target on another port the policies allow', () => {
    const plan = compilePlan([criterion('NET-T-06', [{ from: A_CLIENT, to: A_SERVER, port: 9090, expect: 'deny' }])], tenantSnapshot());
    const check = plan.checks[0]!;
    expect(check.control).toBe('tenant-a/client-1 -> tenant-a/server-1:8080/TCP');
    expect(check.controlHow).toContain('same source and target, port 8080/TCP');
    expect(plan.cells.get(check.control!)!.sim?.verdict).toBe('allow');
  });

  it('control: same target and port from a source the policies allow (target namespace first)', () => {
    const plan = compilePlan([criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8081, protocol: 'UDP', expect: 'deny' }])], tenantSnapshot());
    const check = plan.checks[0]!;
    expect(check.id).toBe('tenant-a/client-1 -> tenant-b/server-1:8081/UDP');
    expect(check.control).toBe('tenant-b/client-1 -> tenant-b/server-1:8081/UDP');
    expect(plan.cells.get(check.control!)!.protocol).toBe('udp');
  });

  it('no control when nothing may reach the target: loopback inside it is readiness only', () => {
    const plan = compilePlan([criterion('NET-T-02', [{ from: B_SERVER, to: A_CLIENT, port: 8080, expect: 'deny' }])], tenantSnapshot());
    const check = plan.checks[0]!;
    // loopback inside the target only proves the listener is up: it is readiness, never a control
    expect(check.control).toBeUndefined();
    expect(check.controls!.filter((c) => c.role !== 'source')).toEqual([]);
    expect(check.controlHow).toContain('loopback inside the target is not a control');
    const lo = plan.cells.get(plan.readiness.get('tenant-a/client-1:8080/TCP')!)!;
    expect(lo).toMatchObject({ key: 'tenant-a/client-1 -> loopback:8080/TCP', host: '127.0.0.1', port: 8080, runner: { kind: 'pod', namespace: 'tenant-a', pod: 'client-1' } });
  });

  it('control: the explicit control of the criterion wins', () => {
    const plan = compilePlan(
      [criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny', control: { from: A_CLIENT, to: A_SERVER } }])],
      tenantSnapshot(),
    );
    // explicit control from the same source to another target: the source side; the target side is added
    expect(plan.checks[0]!.controls).toEqual([
      { key: 'tenant-a/client-1 -> tenant-a/server-1:8080/TCP', role: 'source', how: 'explicit control of the criterion: the same source reaches another target' },
      { key: 'tenant-b/client-1 -> tenant-b/server-1:8080/TCP', role: 'target', how: 'same target and port from tenant-b/client-1, which the policies allow' },
    ]);
    expect(plan.checks[0]!.control).toBe('tenant-b/client-1 -> tenant-b/server-1:8080/TCP');
    const p2 = compilePlan([criterion('NET-T-01', [{ from: A_CLIENT, to: A_SERVER, port: 'admin', expect: 'deny', control: { port: 'http' } }])], tenantSnapshot());
    expect(p2.checks[0]!.id).toBe('tenant-a/client-1 -> tenant-a/server-1:9090/TCP');
    expect(p2.checks[0]!.control).toBe('tenant-a/client-1 -> tenant-a/server-1:8080/TCP');
  });

  it('allow checks get no control', () => {
    const plan = compilePlan([criterion('NET-T-03', [{ from: A_CLIENT, to: A_SERVER, port: 8080, expect: 'allow' }])], tenantSnapshot());
    expect(plan.checks[0]!.control).toBeUndefined();
    expect(plan.checks[0]!.expect).toBe('allowed');
  });

  it('named ports resolve per target pod and protocol', () => {
    const plan = compilePlan([criterion('NET-T-03', [{ from: A_CLIENT, to: A_SERVER, port: 'udp', protocol: 'UDP', expect: 'allow' }])], tenantSnapshot());
    expect(plan.checks[0]!.id).toBe('tenant-a/client-1 -> tenant-a/server-1:8081/UDP');
    const bad = compilePlan([criterion('NET-T-03', [{ from: A_CLIENT, to: A_SERVER, port: 'udp', expect: 'allow' }])], tenantSnapshot());
    expect(bad.checks[0]!.problem).toContain("no TCP container port named 'udp'");
  });

  it('a Service target connects to the cluster IP and simulates on the backing pod target port', () => {
    const plan = compilePlan([criterion('NET-T-01', [{ from: A_CLIENT, to: { service: 'server.tenant-b' }, port: 80, expect: 'deny' }])], tenantSnapshot());
    const check = plan.checks[0]!;
    expect(check.id).toBe('tenant-a/client-1 -> svc tenant-b/server:80/TCP');
    const cell = plan.cells.get(check.cell!)!;
    expect(cell).toMatchObject({ host: '10.96.0.50', port: 80, listener: 'tenant-b/server-1:8080/TCP' });
    expect(cell.sim?.verdict).toBe('deny');
    expect(check.control).toBe('tenant-b/client-1 -> svc tenant-b/server:80/TCP');
    expect(compilePlan([criterion('X-01', [{ from: A_CLIENT, to: { service: 'nope.tenant-b' }, port: 80, expect: 'deny' }])], tenantSnapshot()).checks[0]!.problem).toBe(
      'service nope.tenant-b not found',
    );
  });

  it('DNS cells resolve the name in the source pod and simulate against the DNS server pods', () => {
    const plan = compilePlan([criterion('NET-T-04', [{ from: A_CLIENT, to: { dns: 'kubernetes.default.svc.cluster.local' }, expect: 'allow' }])], tenantSnapshot());
    const cell = plan.cells.get(plan.checks[0]!.cell!)!;
    expect(cell).toMatchObject({ protocol: 'dns', host: 'kubernetes.default.svc.cluster.local.', port: 53 });
    expect(cell.sim?.verdict).toBe('allow');
    const fromServer = compilePlan([criterion('NET-T-04', [{ from: A_SERVER, to: { dns: 'kubernetes.default.svc.cluster.local' }, expect: 'deny' }])], tenantSnapshot());
    expect(plan.cells.get(fromServer.checks[0]!.cell!)?.sim?.verdict ?? fromServer.cells.get(fromServer.checks[0]!.cell!)!.sim?.verdict).toBe('deny');
    expect(fromServer.checks[0]!.control).toBe('tenant-a/client-1 -> dns kubernetes.default.svc.cluster.local');
  });

  it('external target: from facts, host control; INCONCLUSIVE problem when the fact is absent', () => {
    const c = criterion('NET-T-05', [{ from: A_CLIENT, to: { external: true }, expect: 'deny' }]);
    const plan = compilePlan([c], tenantSnapshot(), { externalTarget: '192.0.2.10:8443' });
    const check = plan.checks[0]!;
    expect(check.id).toBe('tenant-a/client-1 -> external 192.0.2.10:8443/TCP');
    expect(plan.cells.get(check.cell!)!.sim?.verdict).toBe('deny');
    expect(check.control).toBe('host -> external 192.0.2.10:8443/TCP');
    expect(plan.cells.get(check.control!)!.runner).toEqual({ kind: 'host' });
    expect(plan.readiness.get('external 192.0.2.10:8443/TCP')).toBe(check.control);
    const none = compilePlan([c], tenantSnapshot());
    expect(none.checks[0]!.problem).toMatch(/facts.externalTarget is not set/);
    expect(compilePlan([c], tenantSnapshot(), { externalTarget: 'example.com:80' }).checks[0]!.problem).toMatch(/not "ipv4:port"/);
  });

  it('one check per source x target pod; a pod never probes itself; no pods -> problem', () => {
    const snap = tenantSnapshot();
    snap.pods.push(pod('tenant-b', 'server-2', { app: 'server' }, '10.244.0.23', snap.pods[3]!.ports));
    const plan = compilePlan([criterion('NET-T-01', [{ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' }])], snap);
    expect(plan.checks.map((c) => c.id)).toEqual([
      'tenant-a/client-1 -> tenant-b/server-1:8080/TCP',
      'tenant-a/client-1 -> tenant-b/server-2:8080/TCP',
    ]);
    const self = compilePlan([criterion('NET-T-03', [{ from: A_SERVER, to: A_SERVER, port: 8080, expect: 'allow' }])], snap);
    expect(self.checks).toEqual([]);
    const nobody = compilePlan([criterion('NET-T-09', [{ from: { namespace: 'tenant-c', selector: { app: 'x' } }, to: B_SERVER, port: 8080, expect: 'deny' }])], snap);
    expect(nobody.checks[0]!.problem).toBe('no running pod matches tenant-c/app=x');
  });

  it('criteriaNamespaces collects from, to, services and controls', () => {
    expect(
      criteriaNamespaces([
        criterion('A-01', [{ from: A_CLIENT, to: { service: 'svc.shop' }, port: 80, expect: 'deny', control: { from: B_CLIENT } }]),
        criterion('A-02', [{ from: A_CLIENT, to: { dns: 'x.y' }, expect: 'allow' }]),
      ]),
    ).toEqual(['shop', 'tenant-a', 'tenant-b']);
  });
});

describe('validateNetworkSpec', () => {
  const v = (spec: unknown) => validateNetworkSpec({ ...criterion('X-01', []), spec: spec as Record<string, unknown> });
  it('accepts inline and listed cells', () => {
    expect(v({ from: A_CLIENT, to: B_SERVER, port: 8080, expect: 'deny' })).toEqual([]);
    expect(v({ cells: [{ from: A_CLIENT, to: { dns: 'kubernetes.default.svc.cluster.local' }, expect: 'allow' }, { from: A_CLIENT, to: { external: true }, expect: 'deny' }] })).toEqual([]);
    expect(v({ from: A_CLIENT, to: { service: 'api.shop' }, port: 'http', protocol: 'UDP', expect: 'deny', control: { port: 8080, from: B_CLIENT } })).toEqual([]);
  });
  it('names each problem with its path', () => {
    expect(v({ cells: [] })).toEqual(['spec.cells: must hold at least one cell']);
    expect(v({ from: { namespace: 'A', selector: {} }, to: B_SERVER, port: 0, expect: 'maybe' })).toEqual([
      'spec.from.namespace: must be a namespace name',
      'spec.from.selector: must name at least one label',
      'spec.port: must be within 1..65535',
      'spec.expect: must be deny or allow',
    ]);
    expect(v({ from: A_CLIENT, to: B_SERVER, expect: 'allow' })).toEqual(['spec.port: required']);
    expect(v({ from: A_CLIENT, to: { dns: 'x' }, port: 53, expect: 'allow' })).toEqual(['spec.port: not used for a dns target']);
    expect(v({ from: A_CLIENT, to: B_SERVER, port: 1, protocol: 'SCTP', expect: 'allow', control: { port: 2 } })).toEqual([
      'spec.protocol: must be TCP or UDP',
      'spec.control: only a deny has a control',
    ]);
    expect(v({ cells: [{ from: A_CLIENT, to: { service: 'nodots' }, port: 'Not_A_Name', expect: 'deny', extra: 1 }] })).toEqual([
      'spec.cells[0].extra: unknown field (known: from, to, port, protocol, expect, control)',
      'spec.cells[0].to.service: must be "name.namespace"',
      'spec.cells[0].port: a port name must be an IANA_SVC_NAME (lower-case, <= 15 chars)',
    ]);
  });
});
