import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KIND_CONFIG, kindFacts, renderKindConfig } from '../src/index';
import { kindIngressFacts } from '../src/kind/args';
import {
  containerIpOn,
  externalListenerCommand,
  externalListenerLabels,
  externalTargetFact,
  listenersToSweep,
} from '../src/kind/external-listener';
import type { ContainerSummary } from '../src/kind/external-listener';

const cfg = (nodes: string) => `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n${nodes}`;

describe('kind ingress facts from the kind config', () => {
  it('the repository config: ingress-ready node, 443 -> 127.0.0.1:18443 and 80 -> 127.0.0.1:18080', () => {
    const text = readFileSync(DEFAULT_KIND_CONFIG, 'utf8');
    expect(kindIngressFacts(text)).toEqual({ ingressAddress: '127.0.0.1:18443', ingressHttpAddress: '127.0.0.1:18080' });
    const rendered = JSON.parse(renderKindConfig(text, { configDir: '/repo/clusters/kind', auditDir: '/a' })) as {
      nodes: Array<{ labels?: Record<string, string>; extraPortMappings?: Array<Record<string, unknown>> }>;
    };
    const node = rendered.nodes[0]!;
    expect(node.labels).toEqual({ 'ingress-ready': 'true' });
    expect(node.extraPortMappings).toEqual([
      { containerPort: 80, hostPort: 18080, listenAddress: '127.0.0.1', protocol: 'TCP' },
      { containerPort: 443, hostPort: 18443, listenAddress: '127.0.0.1', protocol: 'TCP' },
    ]);
    // the facts of the rendered config are the same as those of the source
    expect(kindIngressFacts(renderKindConfig(text, { configDir: '/r', auditDir: '/a' }))).toEqual(kindIngressFacts(text));
  });

  it.each([
    ['no nodes', 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n', {}],
    ['no ingress-ready label', cfg('  - role: control-plane\n    extraPortMappings: [{ containerPort: 443, hostPort: 8443 }]\n'), {}],
    ['label not "true"', cfg('  - role: control-plane\n    labels: { ingress-ready: "false" }\n    extraPortMappings: [{ containerPort: 443, hostPort: 8443 }]\n'), {}],
    [
      'listenAddress default (0.0.0.0) is reached on loopback',
      cfg('  - role: control-plane\n    labels: { ingress-ready: "true" }\n    extraPortMappings: [{ containerPort: 443, hostPort: 8443 }, { containerPort: 80, hostPort: 8080, listenAddress: 0.0.0.0 }]\n'),
      { ingressAddress: '127.0.0.1:8443', ingressHttpAddress: '127.0.0.1:8080' },
    ],
    [
      'https only',
      cfg('  - role: control-plane\n    labels: { ingress-ready: "true" }\n    extraPortMappings: [{ containerPort: 443, hostPort: 9443, listenAddress: 127.0.0.2 }]\n'),
      { ingressAddress: '127.0.0.2:9443' },
    ],
    [
      'UDP mappings are ignored',
      cfg('  - role: control-plane\n    labels: { ingress-ready: "true" }\n    extraPortMappings: [{ containerPort: 443, hostPort: 9443, protocol: UDP }]\n'),
      {},
    ],
    [
      'IPv6 listen address is bracketed',
      cfg('  - role: control-plane\n    labels: { ingress-ready: "true" }\n    extraPortMappings: [{ containerPort: 443, hostPort: 9443, listenAddress: "::1" }]\n'),
      { ingressAddress: '[::1]:9443' },
    ],
    [
      'the ingress-ready node among several',
      cfg('  - role: control-plane\n  - role: worker\n    labels: { ingress-ready: "true" }\n    extraPortMappings: [{ containerPort: 80, hostPort: 28080, listenAddress: 127.0.0.1 }]\n'),
      { ingressHttpAddress: '127.0.0.1:28080' },
    ],
  ])('%s', (_name, text, want) => {
    expect(kindIngressFacts(text)).toEqual(want);
  });

  it('rejects a non-Cluster document with a one-line config error', () => {
    expect(() => kindIngressFacts('kind: Pod\n')).toThrow(/kind must be Cluster/);
    expect(() => kindIngressFacts('a: [\n')).toThrow(/invalid YAML/);
  });

  it('kindFacts stay provider facts only (ingress and listener facts are added by the provider)', () => {
    expect(Object.keys(kindFacts('isoproof-x', '/a')).sort()).toEqual(['auditLogNodePath', 'auditLogPath', 'clusterName', 'nodeContainer', 'provider']);
  });
});

describe('external listener pure pieces', () => {
  it('labels: managed + component, cluster and run when given', () => {
    expect(externalListenerLabels({})).toEqual({ 'isoproof.dev/managed': 'true', 'isoproof.dev/component': 'external-listener' });
    expect(externalListenerLabels({ cluster: 'isoproof-ci', runId: 'rabc' })).toEqual({
      'isoproof.dev/managed': 'true',
      'isoproof.dev/component': 'external-listener',
      'isoproof.dev/cluster': 'isoproof-ci',
      'isoproof.dev/run': 'rabc',
    });
  });

  it('command: netexec HTTP and UDP on the same port', () => {
    expect(externalListenerCommand(8080)).toEqual(['netexec', '--http-port=8080', '--udp-port=8080']);
  });

  it.each([
    ['172.18.0.3', 8080, '172.18.0.3:8080'],
    ['', 8080, undefined],
    [undefined, 8080, undefined],
    ['fc00:f853::3', 8080, undefined], // probe-network wants ipv4:port
    ['172.18.0.3', 0, undefined],
    ['172.18.0.3', 70000, undefined],
  ])('externalTargetFact(%j, %j) = %j', (ip, port, want) => {
    expect(externalTargetFact(ip, port)).toBe(want);
  });

  it('containerIpOn reads the address on the named network only', () => {
    const inspect = { NetworkSettings: { Networks: { kind: { IPAddress: '172.18.0.4' }, bridge: { IPAddress: '172.17.0.2' }, none: { IPAddress: '' } } } };
    expect(containerIpOn(inspect, 'kind')).toBe('172.18.0.4');
    expect(containerIpOn(inspect, 'none')).toBeUndefined();
    expect(containerIpOn(inspect, 'other')).toBeUndefined();
    expect(containerIpOn({}, 'kind')).toBeUndefined();
  });

  it('listenersToSweep keeps only our listener containers, filtered by cluster or prefix', () => {
    const ours = (id: string, cluster?: string): ContainerSummary => ({
      Id: id,
      Labels: { 'isoproof.dev/managed': 'true', 'isoproof.dev/component': 'external-listener', ...(cluster ? { 'isoproof.dev/cluster': cluster } : {}) },
    });
    const containers: ContainerSummary[] = [
      ours('a', 'isoproof-ci'),
      ours('b', 'isoproof-dev'),
      ours('c', 'other'),
      ours('d'),
      { Id: 'e', Labels: { 'isoproof.dev/managed': 'true' } }, // ours but not a listener
      { Id: 'f', Labels: { 'isoproof.dev/component': 'external-listener' } }, // not managed by us
      { Id: 'g' },
    ];
    expect(listenersToSweep(containers)).toEqual(['a', 'b', 'c', 'd']);
    expect(listenersToSweep(containers, { clusters: ['isoproof-ci'] })).toEqual(['a']);
    expect(listenersToSweep(containers, { clusterPrefix: 'isoproof-' })).toEqual(['a', 'b']);
    expect(listenersToSweep(containers, { clusters: [] })).toEqual([]);
  });
});
