import { cidrContains, matchesSelector } from './selectors';
import type {
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Protocol,
  SimCell,
  SimNamespace,
  SimPod,
  SimResult,
  SimSide,
  SimTarget,
} from './types';

/**
 * A NetworkPolicy simulator (networking.k8s.io/v1 semantics):
 * - a pod is isolated for ingress (egress) when at least one policy in its namespace selects it and
 *   has Ingress (Egress) in its policyTypes; policyTypes defaults to [Ingress] plus Egress when the
 *   policy has egress rules;
 * - a connection is allowed when the source's egress side and the destination's ingress side both
 *   allow it; a side that is not isolated allows everything; an isolated side allows what the union
 *   of the rules of the selecting policies allows;
 * - a rule with no peers matches every peer, with no ports every port; a peer with both podSelector
 *   and namespaceSelector matches pods that satisfy both; podSelector alone means the policy's own
 *   namespace; ipBlock matches by IP (cidr minus except) — for pod IPs this is what iptables-based
 *   engines (kube-router, Calico) do;
 * - ports: protocol defaults to TCP, a port range is [port, endPort], a named port is looked up on the
 *   destination pod (ingress: the selected pod; egress: the destination pod) with the same protocol;
 * - loopback inside a pod, and a pod reaching itself through its own IP, are never subject to policy
 *   (upstream conformance: AllowLoopback). Host-network pods are outside policy here.
 */

export function policyTypes(policy: NetworkPolicy): Array<'Ingress' | 'Egress'> {
  if (policy.spec.policyTypes && policy.spec.policyTypes.length > 0) return policy.spec.policyTypes;
  const types: Array<'Ingress' | 'Egress'> = ['Ingress'];
  if ((policy.spec.egress ?? []).length > 0) types.push('Egress');
  return types;
}

export function policyName(policy: NetworkPolicy): string {
  return `${policy.metadata.namespace}/${policy.metadata.name}`;
}

/** Policies in the pod's namespace that select it for `direction`. */
export function selectingPolicies(policies: NetworkPolicy[], pod: SimPod, direction: 'Ingress' | 'Egress'): NetworkPolicy[] {
  return policies.filter(
    (p) =>
      p.metadata.namespace === pod.namespace &&
      matchesSelector(p.spec.podSelector ?? {}, pod.labels) &&
      policyTypes(p).includes(direction),
  );
}

type Endpoint = { pod: SimPod } | { ip: string };

function peerMatches(
  peer: NetworkPolicyPeer,
  policyNamespace: string,
  other: Endpoint,
  namespaces: Map<string, SimNamespace>,
): boolean {
  if (peer.ipBlock) {
    const ip = 'pod' in other ? other.pod.ip : other.ip;
    if (!ip || !cidrContains(peer.ipBlock.cidr, ip)) return false;
    return !(peer.ipBlock.except ?? []).some((e) => cidrContains(e, ip));
  }
  if (!('pod' in other)) return false; // selectors only ever match pods
  const pod = other.pod;
  if (peer.namespaceSelector) {
    const ns = namespaces.get(pod.namespace);
    const nsLabels = ns?.labels ?? { 'kubernetes.io/metadata.name': pod.namespace };
    if (!matchesSelector(peer.namespaceSelector, nsLabels)) return false;
  } else if (pod.namespace !== policyNamespace) {
    return false;
  }
  if (peer.podSelector) return matchesSelector(peer.podSelector, pod.labels);
  return peer.namespaceSelector !== undefined; // a peer with neither selector matches nothing
}

function portMatches(p: NetworkPolicyPort, port: number, protocol: Protocol, destination: SimPod | undefined): boolean {
  const proto = p.protocol ?? 'TCP';
  if (proto !== protocol) return false;
  if (p.port === undefined || p.port === null) return true;
  if (typeof p.port === 'number') {
    const end = p.endPort ?? p.port;
    return port >= p.port && port <= end;
  }
  if (/^\d+$/.test(p.port)) {
    const n = Number(p.port);
    return port >= n && port <= (p.endPort ?? n);
  }
  // Named port: resolved on the destination pod.
  if (!destination) return false;
  return (destination.ports ?? []).some(
    (cp) => cp.name === p.port && cp.containerPort === port && (cp.protocol ?? 'TCP') === protocol,
  );
}

function portsMatch(ports: NetworkPolicyPort[] | undefined, port: number, protocol: Protocol, destination: SimPod | undefined): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => portMatches(p, port, protocol, destination));
}

function side(
  policies: NetworkPolicy[],
  subject: SimPod,
  direction: 'Ingress' | 'Egress',
  other: Endpoint,
  port: number,
  protocol: Protocol,
  destination: SimPod | undefined,
  namespaces: Map<string, SimNamespace>,
): SimSide {
  const selecting = selectingPolicies(policies, subject, direction);
  if (selecting.length === 0) return { isolatedBy: [], allowedBy: [], allowed: true };
  const allowedBy: string[] = [];
  for (const p of selecting) {
    const rules = direction === 'Ingress' ? (p.spec.ingress ?? []) : (p.spec.egress ?? []);
    const ok = rules.some((r) => {
      const peers = direction === 'Ingress' ? (r as { from?: NetworkPolicyPeer[] }).from : (r as { to?: NetworkPolicyPeer[] }).to;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, p.metadata.namespace, other, namespaces));
      return peerOk && portsMatch(r.ports, port, protocol, destination);
    });
    if (ok) allowedBy.push(policyName(p));
  }
  return { isolatedBy: selecting.map(policyName), allowedBy, allowed: allowedBy.length > 0 };
}

const OPEN: SimSide = { isolatedBy: [], allowedBy: [], allowed: true };

function describeSide(name: string, s: SimSide): string {
  if (s.isolatedBy.length === 0) return `${name} not isolated`;
  if (s.allowed) return `${name} allowed by ${s.allowedBy.join(', ')}`;
  return `${name} isolated by ${s.isolatedBy.join(', ')} and no rule allows it`;
}

/** Simulates one cell. */
export function simulateCell(policies: NetworkPolicy[], namespaces: Map<string, SimNamespace>, cell: SimCell): SimResult {
  const target: SimTarget = cell.target;
  if ('loopback' in target) {
    return { id: cell.id, verdict: 'allow', egress: OPEN, ingress: OPEN, reason: 'loopback inside the pod is not subject to NetworkPolicy' };
  }
  const destPod = 'pod' in target ? target.pod : undefined;
  const self = destPod ? destPod.namespace === cell.source.namespace && destPod.name === cell.source.name : 'ip' in target && target.ip === cell.source.ip;
  if (self) {
    // A pod reaching itself through its own IP: NetworkPolicy implementations let it through, and the
    // upstream conformance suite expects it (netpol e2e `AllowLoopback`: "loopback logic follows no policy").
    return { id: cell.id, verdict: 'allow', egress: OPEN, ingress: OPEN, reason: 'a pod reaching itself is not subject to NetworkPolicy' };
  }
  const egress = cell.source.hostNetwork
    ? OPEN
    : side(policies, cell.source, 'Egress', destPod ? { pod: destPod } : { ip: (target as { ip: string }).ip }, cell.port, cell.protocol, destPod, namespaces);
  const ingress =
    destPod && !destPod.hostNetwork
      ? side(policies, destPod, 'Ingress', { pod: cell.source }, cell.port, cell.protocol, destPod, namespaces)
      : OPEN;
  const verdict = egress.allowed && ingress.allowed ? 'allow' : 'deny';
  const parts = [describeSide('egress', egress)];
  if (destPod) parts.push(describeSide('ingress', ingress));
  return { id: cell.id, verdict, egress, ingress, reason: parts.join('; ') };
}

/** Expected allow/deny per cell, with the deciding policy names. */
export function simulate(
  policies: NetworkPolicy[],
  pods: SimPod[],
  namespaces: SimNamespace[],
  cells: SimCell[],
): SimResult[] {
  void pods; // cells carry their pods; kept in the signature for callers that pass the full snapshot
  const nsMap = new Map(namespaces.map((n) => [n.name, withNameLabel(n)]));
  return cells.map((c) => simulateCell(policies, nsMap, c));
}

/** Kubernetes sets kubernetes.io/metadata.name on every namespace; snapshots may omit it. */
export function withNameLabel(ns: SimNamespace): SimNamespace {
  if (ns.labels['kubernetes.io/metadata.name'] === ns.name) return ns;
  return { name: ns.name, labels: { ...ns.labels, 'kubernetes.io/metadata.name': ns.name } };
}

/** The policies that decided a cell: the allowing ones when allowed, else the isolating ones of the denying side(s). */
export function decidingPolicies(r: SimResult): string[] {
  if (r.verdict === 'allow') return [...new Set([...r.egress.allowedBy, ...r.ingress.allowedBy])];
  const out: string[] = [];
  if (!r.egress.allowed) out.push(...r.egress.isolatedBy);
  if (!r.ingress.allowed) out.push(...r.ingress.isolatedBy);
  return [...new Set(out)];
}
