import { describe, expect, it } from 'vitest';
import { decidingPolicies, policyTypes, simulate } from '../src/simulator';
import { cidrContains, matchesSelector } from '../src/selectors';
import type { NetworkPolicy, Protocol, SimCell, SimNamespace, SimPod, SimTarget } from '../src/types';

const ns = (name: string, labels: Record<string, string> = {}): SimNamespace => ({ name, labels });
const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string, ports: SimPod['ports'] = []): SimPod => ({
  namespace,
  name,
  labels,
  ip,
  ports,
});
const np = (namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ metadata: { namespace, name }, spec });

const namespaces = [
  ns('a', { tenant: 'a', team: 'x' }),
  ns('b', { tenant: 'b', team: 'x' }),
  ns('mon', { name: 'monitoring' }),
  ns('kube-system'),
];
const aClient = pod('a', 'client', { app: 'client' }, '10.0.0.1');
const aServer = pod('a', 'server', { app: 'server', tier: 'backend' }, '10.0.0.2', [
  { name: 'http', containerPort: 8080 },
  { name: 'dns-ish', containerPort: 8081, protocol: 'UDP' },
  { name: 'admin', containerPort: 9090 },
]);
const bClient = pod('b', 'client', { app: 'client' }, '10.0.1.1');
const bServer = pod('b', 'server', { app: 'server' }, '10.0.1.2', [{ name: 'web', containerPort: 8000 }]);
const prom = pod('mon', 'prom', { app: 'prometheus' }, '10.0.2.1');
const dns = pod('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, '10.0.3.1');
const pods = [aClient, aServer, bClient, bServer, prom, dns];

let n = 0;
function cell(source: SimPod, target: SimPod | string, port: number, protocol: Protocol = 'TCP'): SimCell {
  const t: SimTarget = typeof target === 'string' ? { ip: target } : { pod: target };
  return { id: `c${n++}`, source, target: t, port, protocol };
}
function verdicts(policies: NetworkPolicy[], cells: SimCell[]): string[] {
  return simulate(policies, pods, namespaces, cells).map((r) => r.verdict);
}

const denyAll = (namespace: string) => np(namespace, 'default-deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

describe('simulator: hand-worked cases', () => {
  it('1. no policies: everything allowed', () => {
    expect(verdicts([], [cell(aClient, bServer, 8000), cell(aClient, '192.0.2.10', 443)])).toEqual(['allow', 'allow']);
  });

  it('2. default deny-all in b blocks ingress to b but not egress from a', () => {
    const r = simulate([denyAll('b')], pods, namespaces, [cell(aClient, bServer, 8000), cell(bClient, aServer, 8080)]);
    expect(r.map((x) => x.verdict)).toEqual(['deny', 'deny']);
    expect(r[0]!.ingress.isolatedBy).toEqual(['b/default-deny-all']);
    expect(r[0]!.egress.isolatedBy).toEqual([]);
    expect(r[1]!.egress.isolatedBy).toEqual(['b/default-deny-all']);
    expect(decidingPolicies(r[0]!)).toEqual(['b/default-deny-all']);
  });

  it('3. policyTypes default: ingress-only policy without egress rules does not isolate egress', () => {
    const p = np('a', 'ingress-only', { podSelector: {}, ingress: [] });
    expect(policyTypes(p)).toEqual(['Ingress']);
    expect(verdicts([p], [cell(aClient, bServer, 8000), cell(bClient, aServer, 8080)])).toEqual(['allow', 'deny']);
  });

  it('4. policyTypes default: egress rules present => Egress isolation too', () => {
    const p = np('a', 'egress-dns', {
      podSelector: {},
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }] }],
    });
    expect(policyTypes(p)).toEqual(['Ingress', 'Egress']);
    expect(verdicts([p], [cell(aClient, dns, 53, 'UDP'), cell(aClient, dns, 53, 'TCP'), cell(aClient, bServer, 8000), cell(bClient, aServer, 8080)])).toEqual([
      'allow',
      'deny',
      'deny',
      'deny',
    ]);
  });

  it('5. explicit policyTypes [Egress] with ingress rules ignores the ingress rules', () => {
    const p = np('a', 'egress-typed', { podSelector: {}, policyTypes: ['Egress'], ingress: [{}], egress: [] });
    expect(verdicts([p], [cell(bClient, aServer, 8080), cell(aClient, bServer, 8000)])).toEqual(['allow', 'deny']);
  });

  it('6. intra-namespace allow with empty podSelector peer', () => {
    const allowSame = np('a', 'allow-same-ns', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] });
    expect(verdicts([denyAll('a'), allowSame], [cell(aClient, aServer, 8080), cell(bClient, aServer, 8080)])).toEqual(['deny', 'deny']);
    // the deny of a->a comes from egress (default-deny-all isolates egress too)
    const egressSame = np('a', 'egress-same-ns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] });
    expect(verdicts([denyAll('a'), allowSame, egressSame], [cell(aClient, aServer, 8080), cell(bClient, aServer, 8080), cell(aClient, bServer, 8000)])).toEqual([
      'allow',
      'deny',
      'deny',
    ]);
  });

  it('7. namespaceSelector {} matches every namespace (over-broad)', () => {
    const p = np('a', 'from-any-ns', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] });
    expect(verdicts([p], [cell(bClient, aServer, 8080), cell(prom, aServer, 8080), cell(bClient, aClient, 1)])).toEqual(['allow', 'allow', 'allow']);
    // but not external IPs
    expect(simulate([np('a', 'eg', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }] }] })], pods, namespaces, [cell(aClient, '192.0.2.1', 443)])[0]!.verdict).toBe('deny');
  });

  it('8. namespaceSelector AND podSelector in one peer vs two peers (OR)', () => {
    const and = np('a', 'and', {
      podSelector: { matchLabels: { app: 'server' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } }, podSelector: { matchLabels: { app: 'client' } } }] }],
    });
    expect(verdicts([and], [cell(prom, aServer, 8080), cell(bClient, aServer, 8080), cell(aClient, aServer, 8080)])).toEqual(['deny', 'deny', 'deny']);
    const or = np('a', 'or', {
      podSelector: { matchLabels: { app: 'server' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }, { podSelector: { matchLabels: { app: 'client' } } }] }],
    });
    // prom via the namespace peer; a/client via the pod peer (own namespace); b/client matches neither
    expect(verdicts([or], [cell(prom, aServer, 8080), cell(bClient, aServer, 8080), cell(aClient, aServer, 8080)])).toEqual(['allow', 'deny', 'allow']);
  });

  it('9. matchExpressions In / NotIn / Exists / DoesNotExist', () => {
    const mk = (expr: NonNullable<NetworkPolicy['spec']['podSelector']['matchExpressions']>) =>
      np('a', 'expr', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchExpressions: expr } }] }] });
    expect(verdicts([mk([{ key: 'tenant', operator: 'In', values: ['b', 'c'] }])], [cell(bClient, aServer, 8080), cell(prom, aServer, 8080)])).toEqual(['allow', 'deny']);
    expect(verdicts([mk([{ key: 'tenant', operator: 'NotIn', values: ['b'] }])], [cell(bClient, aServer, 8080), cell(prom, aServer, 8080)])).toEqual(['deny', 'allow']);
    expect(verdicts([mk([{ key: 'team', operator: 'Exists' }])], [cell(bClient, aServer, 8080), cell(prom, aServer, 8080)])).toEqual(['allow', 'deny']);
    expect(verdicts([mk([{ key: 'team', operator: 'DoesNotExist' }])], [cell(bClient, aServer, 8080), cell(prom, aServer, 8080)])).toEqual(['deny', 'allow']);
  });

  it('10. policy podSelector with matchExpressions selects only matching pods', () => {
    const p = np('a', 'backend-only', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }, policyTypes: ['Ingress'] });
    expect(verdicts([p], [cell(bClient, aServer, 8080), cell(bClient, aClient, 8080)])).toEqual(['deny', 'allow']);
  });

  it('11. ipBlock with except (egress to external)', () => {
    const p = np('a', 'egress-ipblock', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '192.0.2.0/24', except: ['192.0.2.128/25'] } }] }],
    });
    expect(verdicts([p], [cell(aClient, '192.0.2.10', 443), cell(aClient, '192.0.2.200', 443), cell(aClient, '198.51.100.1', 443)])).toEqual([
      'allow',
      'deny',
      'deny',
    ]);
  });

  it('12. ipBlock 0.0.0.0/0 except the pod CIDR: pods denied, outside allowed', () => {
    const p = np('a', 'egress-internet', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }],
    });
    expect(verdicts([p], [cell(aClient, bServer, 8000), cell(aClient, '203.0.113.5', 80)])).toEqual(['deny', 'allow']);
  });

  it('13. ipBlock on ingress matches the source pod IP', () => {
    const p = np('a', 'from-cidr', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '10.0.1.0/24', except: ['10.0.1.2/32'] } }] }] });
    expect(verdicts([p], [cell(bClient, aServer, 8080), cell(bServer, aServer, 8080), cell(prom, aServer, 8080)])).toEqual(['allow', 'deny', 'deny']);
  });

  it('14. numeric port, protocol default TCP, UDP not covered by a TCP rule', () => {
    const p = np('a', 'http', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] });
    expect(verdicts([p], [cell(bClient, aServer, 8080), cell(bClient, aServer, 8081, 'UDP'), cell(bClient, aServer, 9090)])).toEqual(['allow', 'deny', 'deny']);
  });

  it('15. port range with endPort', () => {
    const p = np('a', 'range', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 8000, endPort: 8090 }] }] });
    expect(verdicts([p], [cell(bClient, aServer, 8000), cell(bClient, aServer, 8080), cell(bClient, aServer, 8090), cell(bClient, aServer, 9090)])).toEqual([
      'allow',
      'allow',
      'allow',
      'deny',
    ]);
  });

  it('16. named port on ingress resolves on the selected pod (name + protocol)', () => {
    const p = np('a', 'named', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'http' }, { protocol: 'UDP', port: 'dns-ish' }] }] });
    expect(verdicts([p], [cell(bClient, aServer, 8080), cell(bClient, aServer, 8081, 'UDP'), cell(bClient, aServer, 9090), cell(bClient, aClient, 8080)])).toEqual([
      'allow',
      'allow',
      'deny',
      'deny', // a/client has no port named http
    ]);
  });

  it('17. named port on egress resolves on the destination pod; never matches an external IP', () => {
    const p = np('b', 'egress-named', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] });
    expect(verdicts([p], [cell(bClient, aServer, 8080), cell(bClient, bServer, 8000), cell(bClient, '192.0.2.1', 8080)])).toEqual(['allow', 'deny', 'deny']);
  });

  it('18. egress + ingress interplay: both sides must allow', () => {
    const egressA = np('a', 'egress-to-b', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { tenant: 'b' } } }] }] });
    const ingressB = np('b', 'from-a-8000', {
      podSelector: { matchLabels: { app: 'server' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { tenant: 'a' } } }], ports: [{ port: 8000 }] }],
    });
    const r = simulate([egressA, ingressB], pods, namespaces, [cell(aClient, bServer, 8000), cell(aClient, bServer, 8001), cell(aServer, bServer, 8000), cell(aClient, aServer, 8080)]);
    expect(r.map((x) => x.verdict)).toEqual(['allow', 'deny', 'allow', 'deny']);
    expect(r[0]!.reason).toContain('a/egress-to-b');
    expect(r[0]!.reason).toContain('b/from-a-8000');
    expect(r[1]!.egress.allowed).toBe(true);
    expect(r[1]!.ingress.allowed).toBe(false);
    expect(r[3]!.egress.allowed).toBe(false);
  });

  it('19. multiple policies are additive (union); one allowing is enough', () => {
    const p1 = np('a', 'p1', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] });
    const p2 = np('a', 'p2', { podSelector: { matchLabels: { tier: 'backend' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { tenant: 'b' } } }] }] });
    const r = simulate([p1, p2], pods, namespaces, [cell(aClient, aServer, 8080), cell(bClient, aServer, 8080), cell(prom, aServer, 8080)]);
    expect(r.map((x) => x.verdict)).toEqual(['allow', 'allow', 'deny']);
    expect(r[0]!.ingress.allowedBy).toEqual(['a/p1']);
    expect(r[1]!.ingress.allowedBy).toEqual(['a/p2']);
    expect(r[2]!.ingress.isolatedBy).toEqual(['a/p1', 'a/p2']);
  });

  it('20. an isolation policy with no rules does not override another policy that allows (incident label)', () => {
    const labelled = { ...aServer, labels: { ...aServer.labels, incident: 'isolated' } };
    const incident = np('a', 'incident-isolation', { podSelector: { matchLabels: { incident: 'isolated' } }, policyTypes: ['Ingress', 'Egress'] });
    const allow = np('a', 'server-ingress', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{}] });
    const r = simulate([incident, allow], pods, namespaces, [cell(bClient, labelled, 8080), cell(labelled, bServer, 8000)]);
    expect(r.map((x) => x.verdict)).toEqual(['allow', 'deny']);
    expect(simulate([incident], pods, namespaces, [cell(bClient, labelled, 8080)])[0]!.verdict).toBe('deny');
  });

  it('21. podSelector peer only matches pods in the policy namespace', () => {
    const p = np('a', 'from-clients', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] });
    expect(verdicts([p], [cell(aClient, aServer, 8080), cell(bClient, aServer, 8080)])).toEqual(['allow', 'deny']);
  });

  it('22. policies of another namespace do not select pods', () => {
    expect(verdicts([denyAll('b')], [cell(aClient, aServer, 8080)])).toEqual(['allow']);
  });

  it('23. empty rule {} allows all peers and ports; empty ingress list allows nothing', () => {
    const all = np('a', 'all', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] });
    const none = np('a', 'none', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] });
    expect(verdicts([all], [cell(prom, aServer, 9999, 'UDP')])).toEqual(['allow']);
    expect(verdicts([none], [cell(prom, aServer, 9999, 'UDP')])).toEqual(['deny']);
  });

  it('24. the 003 DNS rule: namespaceSelector name=kube-system does not match an unlabelled kube-system; UDP only', () => {
    const p = np('a', 'dns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { name: 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }] }] });
    expect(verdicts([p], [cell(aClient, dns, 53, 'UDP')])).toEqual(['deny']);
    const labelled = [...namespaces.filter((x) => x.name !== 'kube-system'), ns('kube-system', { name: 'kube-system' })];
    expect(simulate([p], pods, labelled, [cell(aClient, dns, 53, 'UDP'), cell(aClient, dns, 53, 'TCP')]).map((x) => x.verdict)).toEqual(['allow', 'deny']);
  });

  it('25. kubernetes.io/metadata.name is implied on namespaces', () => {
    const p = np('a', 'from-b', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } }] }] });
    expect(verdicts([p], [cell(bClient, aServer, 8080), cell(prom, aServer, 8080)])).toEqual(['allow', 'deny']);
  });

  it('26. loopback is never subject to policy', () => {
    const r = simulate([denyAll('a')], pods, namespaces, [{ id: 'lo', source: aServer, target: { loopback: true }, port: 8080, protocol: 'TCP' }]);
    expect(r[0]!.verdict).toBe('allow');
  });

  it('26b. a pod reaching itself through its own IP (pod or IP target) is allowed under deny-all (AllowLoopback)', () => {
    const r = simulate([denyAll('a')], pods, namespaces, [cell(aServer, aServer, 9090), cell(aServer, '10.0.0.2', 9090), cell(aClient, aServer, 9090)]);
    expect(r.map((x) => x.verdict)).toEqual(['allow', 'allow', 'deny']);
    expect(r[0]!.reason).toMatch(/itself/);
  });

  it('27. egress to a pod allowed by ipBlock of its IP', () => {
    const p = np('a', 'eg', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.1.2/32' } }], ports: [{ port: 8000 }] }] });
    expect(verdicts([p], [cell(aClient, bServer, 8000), cell(aClient, bClient, 8000)])).toEqual(['allow', 'deny']);
  });
});

describe('selectors', () => {
  it('matchLabels and expressions combine with AND', () => {
    expect(matchesSelector({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1', b: '' })).toBe(true);
    expect(matchesSelector({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1' })).toBe(false);
    expect(matchesSelector({}, {})).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'x', operator: 'In', values: [] }] }, { x: 'y' })).toBe(false);
  });
  it('cidrContains', () => {
    expect(cidrContains('10.0.0.0/8', '10.255.1.1')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '1.2.3.4')).toBe(true);
    expect(cidrContains('192.0.2.7/32', '192.0.2.7')).toBe(true);
    expect(cidrContains('192.0.2.7/32', '192.0.2.8')).toBe(false);
    expect(cidrContains('192.0.2.0/33', '192.0.2.8')).toBe(false);
    expect(cidrContains('fd00::/8', 'fd00::1')).toBe(false);
  });
});
