import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KIND_CONFIG } from '../src/kind/provider';
import { kindFacts, renderKindConfig } from '../src/kind/args';
import { autoHostPortCount, kindIngressFacts, kindIngressFactsFromPorts, kindIngressNodeContainer, kindNodeContainers } from '../src/kind/args';
import {
  externalListenerCommand,
  externalListenerLabels,
  externalTargetFact,
  listenersToSweep,
} from '../src/kind/external-listener';
import { containerIpOn } from '../src/kind/port-wait';
import type { ContainerSummary } from '../src/kind/external-listener';

const cfg = (nodes: string) => `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n${nodes}`;

describe('kind ingress facts from the kind config', () => {
  it('the repository config: ingress-ready node, 80 and 443 on loopback ports the provider chooses (never the local provider\'s)', () => {
    const text = readFileSync(DEFAULT_KIND_CONFIG, 'utf8');
    expect(autoHostPortCount(text)).toBe(2);
    expect(kindIngressFacts(text)).toEqual({}); // nothing to report before the ports are chosen
    const rendered = JSON.parse(renderKindConfig(text, { configDir: '/repo/clusters/kind', auditDir: '/a', freePorts: [41080, 41443] })) as {
      nodes: Array<{ labels?: Record<string, string>; extraPortMappings?: Array<Record<string, unknown>> }>;
    };
    const node = rendered.nodes[0]!;
    expect(node.labels).toEqual({ 'ingress-ready': 'true' });
    expect(node.extraPortMappings).toEqual([
      { containerPort: 80, hostPort: 41080, listenAddress: '127.0.0.1', protocol: 'TCP' },
      { containerPort: 443, hostPort: 41443, listenAddress: '127.0.0.1', protocol: 'TCP' },
    ]);
    // the facts of the rendered config are those chosen ports
    expect(kindIngressFacts(JSON.stringify(rendered))).toEqual({ ingressAddress: '127.0.0.1:41443', ingressHttpAddress: '127.0.0.1:41080' });
    expect(() => renderKindConfig(text, { configDir: '/r', auditDir: '/a', freePorts: [41080] })).toThrow(/more port mappings without a hostPort than free ports/);
  });

  it('explicit host ports are kept; only 0 or absent ones are chosen', () => {
    const text = cfg('  - role: control-plane\n    extraPortMappings: [{ containerPort: 443, hostPort: 9443 }, { containerPort: 80 }]\n');
    expect(autoHostPortCount(text)).toBe(1);
    const out = JSON.parse(renderKindConfig(text, { configDir: '/r', auditDir: '/a', freePorts: [45000] })) as { nodes: Array<{ extraPortMappings: Array<{ hostPort: number }> }> };
    expect(out.nodes[0]!.extraPortMappings.map((p) => p.hostPort)).toEqual([9443, 45000]);
  });

  it('ingress facts from the ports the node container publishes (docker inspect)', () => {
    expect(
      kindIngressFactsFromPorts({
        '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '41443' }],
        '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '41080' }],
        '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: '39999' }],
      }),
    ).toEqual({ ingressAddress: '127.0.0.1:41443', ingressHttpAddress: '127.0.0.1:41080' });
    expect(kindIngressFactsFromPorts({ '443/tcp': [{ HostIp: '::1', HostPort: '41443' }], '80/tcp': null })).toEqual({ ingressAddress: '[::1]:41443' });
    expect(kindIngressFactsFromPorts({})).toEqual({});
    expect(kindIngressFactsFromPorts(null)).toEqual({});
  });

  it('node container names as kind gives them; the ingress-ready one', () => {
    expect(kindNodeContainers('isoproof-a')).toEqual(['isoproof-a-control-plane']);
    const two = cfg('  - role: control-plane\n  - role: worker\n    labels: { ingress-ready: "true" }\n  - role: worker\n');
    expect(kindNodeContainers('isoproof-a', two)).toEqual(['isoproof-a-control-plane', 'isoproof-a-worker', 'isoproof-a-worker2']);
    expect(kindIngressNodeContainer('isoproof-a', two)).toBe('isoproof-a-worker');
    expect(kindIngressNodeContainer('isoproof-a', readFileSync(DEFAULT_KIND_CONFIG, 'utf8'))).toBe('isoproof-a-control-plane');
    expect(kindIngressNodeContainer('isoproof-a', cfg('  - role: control-plane\n'))).toBeUndefined();
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
