import type { Criterion, ResourceRef } from '@isoproof/core';
import { matchesSelector, selectorString } from './selectors';
import { simulateCell, withNameLabel } from './simulator';
import type { CellSpec, ControlSpec, PodRef, TargetSpec } from './spec';
import { cellsOf, isPodRef } from './spec';
import type { Protocol, SimCell, SimNamespace, SimPod, SimResult, SimService, SimTarget, Snapshot } from './types';

export type WireProtocol = 'tcp' | 'udp' | 'dns';

/**
 * Where a cell's connect runs: inside a pod (one agent exec per pod), on the runner host, or in a
 * hostNetwork node agent pod the family creates on `node` (node handshakes; `hostFallback`: the
 * provider fact podNetworkFromHost allows the runner host to stand in when no agent can be created).
 */
export type CellRunner =
  | { kind: 'pod'; namespace: string; pod: string; container?: string }
  | { kind: 'host' }
  | { kind: 'node'; node: string; hostFallback?: true };

export interface PlanCell {
  /** Stable, unique, human-readable: "tenant-a/client-x -> tenant-b/server-y:8080/TCP". */
  key: string;
  runner: CellRunner;
  host: string;
  port: number;
  protocol: WireProtocol;
  /** Expected by the NetworkPolicy simulation of the current policies (undefined: not simulable). */
  sim?: SimResult;
  /** Readiness key of the listener this cell reaches ("ns/pod:8080/TCP", "external 192.0.2.1:80/TCP"). */
  listener?: string;
  resources: ResourceRef[];
  /**
   * A node handshake: a TCP connect to a pod IP of our own (project-managed namespace) from the node
   * the pod runs on (traffic between a pod and its node is always allowed, Kubernetes NetworkPolicy
   * documentation): from a hostNetwork node agent on that node, or, where the provider says the node
   * routes pod IPs and is the runner host (fact podNetworkFromHost=true), from the runner host. Never a
   * probe, only a control.
   */
  nodeHandshake?: true;
  /** Truth-table labels. */
  row: string;
  col: string;
}

/**
 * One control cell of a deny check. A deny PASSes only on a timeout while its controls prove the
 * probe could have succeeded:
 * - 'same-source': the same source pod reaches the same target on a port the policies allow (enough alone);
 * - otherwise BOTH 'target' (the same target:port reached by a source the policies allow, or the runner
 *   host for the external listener) AND 'source' (the same source pod connecting somewhere the policies
 *   allow, in the same round).
 * Loopback inside the target is listener readiness, never a control.
 */
export interface PlanControl {
  key: string;
  role: 'same-source' | 'target' | 'source';
  how: string;
}

export interface PlanCheck {
  criterion: string;
  /** = the probe cell key. */
  id: string;
  expect: 'denied' | 'allowed';
  cell?: string;
  /** The primary control (same-source, else target side): kept for the enforcement check. */
  control?: string;
  /** How the control was chosen (all controls, or why one is missing). */
  controlHow?: string;
  /** Deny checks: every control cell with its role (see PlanControl). */
  controls?: PlanControl[];
  /** Deny checks without a same-source control: why no source-side control could be planned. */
  sourceProblem?: string;
  /** Set when the cell cannot be planned: the check becomes INCONCLUSIVE with this reason. */
  problem?: string;
}

export interface ProbePlan {
  cells: Map<string, PlanCell>;
  checks: PlanCheck[];
  /** listener key -> key of a cell proving the listener answers (loopback in the pod, or host connect). */
  readiness: Map<string, string>;
}

export interface CompileOptions {
  /** "ip:port" of a listener the project owns outside the cluster (ctx.facts.externalTarget). */
  externalTarget?: string;
  /** Labels identifying cluster DNS server pods in kube-system (default k8s-app=kube-dns). */
  dnsSelector?: Record<string, string>;
  dnsNamespace?: string;
  /**
   * The runner host routes to pod IPs and its traffic is not subject to NetworkPolicy (provider fact
   * podNetworkFromHost=true): node handshakes may stand in for a target-side control no pod can give,
   * and for the source side of a pod that may connect nowhere (a handshake with a listener in it).
   */
  podNetworkFromHost?: boolean;
  /**
   * Node handshakes from a hostNetwork node agent pod on the target pod's node (default true; needs the
   * pod's nodeName). false: only the runner host (podNetworkFromHost) can hand-shake.
   */
  nodeAgents?: boolean;
}

/** The compile options a run's provider facts give (externalTarget, podNetworkFromHost). */
export function compileOptionsFromFacts(facts: Record<string, string | undefined>): CompileOptions {
  const o: CompileOptions = {};
  if (facts.externalTarget) o.externalTarget = facts.externalTarget;
  if (facts.podNetworkFromHost === 'true') o.podNetworkFromHost = true;
  return o;
}

/** Namespaces the project created carry this label; node handshakes only ever go to their pods. */
export const MANAGED_LABEL = 'isoproof.dev/managed';

const podLabel = (p: SimPod) => `${p.namespace}/${p.name}`;
const podRef = (p: SimPod): ResourceRef => ({ kind: 'Pod', namespace: p.namespace, name: p.name });

interface Resolved {
  /** What the spec named: a pod, a Service ("name.ns"), a DNS name or the external listener. */
  origin: 'pod' | { service: string } | 'dns' | 'external';
  target: SimTarget;
  /** Pod actually reached (pod target, or the Service's first backing pod; a Service always has one). */
  destPod?: SimPod;
  host: string;
  port: number;
  /** Port on the destination pod (differs from `port` for Services). */
  destPort: number;
  protocol: Protocol;
  wire: WireProtocol;
  col: string;
  keyTail: string;
  resources: ResourceRef[];
  listener?: string;
}

class Compiler {
  readonly cells = new Map<string, PlanCell>();
  readonly checks: PlanCheck[] = [];
  readonly readiness = new Map<string, string>();
  private readonly nsMap: Map<string, SimNamespace>;
  private readonly runnable: SimPod[];
  /** Namespaces whose pods run the agent image (those the criteria name as sources or pod targets). */
  private readonly agentNamespaces = new Set<string>();

  constructor(
    private readonly snap: Snapshot,
    private readonly opts: CompileOptions,
  ) {
    this.nsMap = new Map(snap.namespaces.map((n) => [n.name, withNameLabel(n)]));
    this.runnable = snap.pods.filter((p) => !p.hostNetwork && p.ip).sort((a, b) => podLabel(a).localeCompare(podLabel(b)));
  }

  pods(ref: PodRef): SimPod[] {
    return this.runnable.filter((p) => p.namespace === ref.namespace && matchesSelector({ matchLabels: ref.selector }, p.labels));
  }

  simulate(source: SimPod, r: Resolved): SimResult | undefined {
    if ('pod' in r.target || 'ip' in r.target || 'loopback' in r.target) {
      const cell: SimCell = { id: '', source, target: r.target, port: r.destPort, protocol: r.protocol };
      return simulateCell(this.snap.policies, this.nsMap, cell);
    }
    return undefined;
  }

  /** Resolves a target spec into concrete destinations; problems are returned as strings. */
  resolveTargets(to: TargetSpec | NonNullable<ControlSpec['to']>, port: number | string | undefined, protocol: Protocol): Array<Resolved | string> {
    if (isPodRef(to)) {
      const pods = this.pods(to);
      if (pods.length === 0) return [`no running pod matches ${to.namespace}/${selectorString(to.selector)}`];
      return pods.map((p) => this.podTarget(p, port, protocol));
    }
    if ('service' in to) return [this.serviceTarget(to.service, port, protocol)];
    if ('dns' in to) return [this.dnsTarget(to.dns)];
    const ext = this.opts.externalTarget;
    if (!ext) return ['facts.externalTarget is not set: no external listener of ours to probe (the provider gives one)'];
    const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(ext);
    if (!m) return [`facts.externalTarget '${ext}' is not "ipv4:port"`];
    const ip = m[1]!;
    const p = Number(m[2]);
    return [
      {
        origin: 'external',
        target: { ip },
        host: ip,
        port: p,
        destPort: p,
        protocol: 'TCP',
        wire: 'tcp',
        col: `external ${ip}:${p}/TCP`,
        keyTail: `external ${ip}:${p}/TCP`,
        resources: [],
        listener: `external ${ip}:${p}/TCP`,
      },
    ];
  }

  podTarget(p: SimPod, port: number | string | undefined, protocol: Protocol): Resolved | string {
    let n: number | undefined;
    if (typeof port === 'number') n = port;
    else if (typeof port === 'string') {
      n = (p.ports ?? []).find((cp) => cp.name === port && (cp.protocol ?? 'TCP') === protocol)?.containerPort;
      if (n === undefined) return `pod ${podLabel(p)} has no ${protocol} container port named '${port}'`;
    }
    if (n === undefined) return `no port given for ${podLabel(p)}`;
    const tail = `${podLabel(p)}:${n}/${protocol}`;
    return {
      origin: 'pod',
      target: { pod: p },
      destPod: p,
      host: p.ip,
      port: n,
      destPort: n,
      protocol,
      wire: protocol === 'UDP' ? 'udp' : 'tcp',
      col: tail,
      keyTail: tail,
      resources: [podRef(p)],
      listener: tail,
    };
  }

  serviceTarget(ref: string, port: number | string | undefined, protocol: Protocol): Resolved | string {
    const [name, namespace] = ref.split('.');
    const svc: SimService | undefined = this.snap.services.find((s) => s.name === name && s.namespace === namespace);
    if (!svc) return `service ${ref} not found`;
    if (!svc.clusterIP || svc.clusterIP === 'None') return `service ${ref} has no cluster IP`;
    const sp = svc.ports.find((x) => (typeof port === 'number' ? x.port === port : x.name === port) && (x.protocol ?? 'TCP') === protocol);
    if (!sp) return `service ${ref} has no ${protocol} port ${String(port)}`;
    const backing = svc.selector ? this.runnable.filter((p) => p.namespace === svc.namespace && matchesSelector({ matchLabels: svc.selector }, p.labels)) : [];
    const first = backing[0];
    // Never connect to a cluster IP with no pod of ours behind it: on a shared or existing cluster that
    // address proves nothing about our workloads (and may not be ours to probe).
    if (!first) return `service ${ref} has no running backend (no running pod matches its selector): cannot probe it`;
    let destPort = typeof sp.targetPort === 'number' ? sp.targetPort : sp.port;
    if (typeof sp.targetPort === 'string') {
      const named = (first.ports ?? []).find((cp) => cp.name === sp.targetPort && (cp.protocol ?? 'TCP') === protocol);
      if (named) destPort = named.containerPort;
      else if (/^\d+$/.test(sp.targetPort)) destPort = Number(sp.targetPort);
    }
    const tail = `svc ${svc.namespace}/${svc.name}:${sp.port}/${protocol}`;
    return {
      origin: { service: ref },
      target: { pod: first },
      destPod: first,
      host: svc.clusterIP,
      port: sp.port,
      destPort,
      protocol,
      wire: protocol === 'UDP' ? 'udp' : 'tcp',
      col: tail,
      keyTail: tail,
      resources: [{ kind: 'Service', namespace: svc.namespace, name: svc.name }, podRef(first)],
      listener: `${podLabel(first)}:${destPort}/${protocol}`,
    };
  }

  dnsTarget(name: string): Resolved {
    const nsName = this.opts.dnsNamespace ?? 'kube-system';
    const sel = this.opts.dnsSelector ?? { 'k8s-app': 'kube-dns' };
    const server = this.snap.pods.find((p) => p.namespace === nsName && matchesSelector({ matchLabels: sel }, p.labels));
    return {
      origin: 'dns',
      target: server ? { pod: server } : { ip: '0.0.0.0' },
      destPod: server,
      // absolute (trailing dot): one query, no search-domain walk
      host: name.endsWith('.') ? name : `${name}.`,
      port: 53,
      destPort: 53,
      protocol: 'UDP',
      wire: 'dns',
      col: `dns ${name}`,
      keyTail: `dns ${name}`,
      resources: server ? [podRef(server)] : [],
    };
  }

  addCell(runner: SimPod | 'host' | { node: string; hostFallback?: true }, r: Resolved, simulate: boolean): PlanCell {
    if (typeof runner === 'object' && !('namespace' in runner)) {
      const row = `node ${runner.node}`;
      const key = `${row} -> ${r.keyTail}`;
      let cell = this.cells.get(key);
      if (!cell) {
        cell = {
          key,
          runner: { kind: 'node', node: runner.node, ...(runner.hostFallback ? { hostFallback: true as const } : {}) },
          host: r.host,
          port: r.port,
          protocol: r.wire,
          listener: r.listener,
          resources: [...r.resources],
          row,
          col: r.col,
        };
        this.cells.set(key, cell);
      }
      return cell;
    }
    const row = runner === 'host' ? 'host' : podLabel(runner);
    const key = `${row} -> ${r.keyTail}`;
    const existing = this.cells.get(key);
    if (existing) return existing;
    const cell: PlanCell = {
      key,
      runner: runner === 'host' ? { kind: 'host' } : { kind: 'pod', namespace: runner.namespace, pod: runner.name, container: runner.containers?.[0] },
      host: r.host,
      port: r.port,
      protocol: r.wire,
      sim: runner !== 'host' && simulate && (r.wire !== 'dns' || r.destPod) ? this.simulate(runner, r) : undefined,
      listener: r.listener,
      resources: [...(runner === 'host' ? [] : [podRef(runner)]), ...r.resources],
      row,
      col: r.col,
    };
    this.cells.set(key, cell);
    return cell;
  }

  /** A loopback cell inside the destination pod: proves the listener answers, whatever the policies. */
  addReadiness(r: Resolved): string | undefined {
    if (!r.listener) return undefined;
    const have = this.readiness.get(r.listener);
    if (have) return have;
    let key: string | undefined;
    if (r.destPod) {
      const p = r.destPod;
      const lo: Resolved = {
        ...r,
        target: { loopback: true },
        host: '127.0.0.1',
        port: r.destPort,
        col: `loopback:${r.destPort}/${r.protocol}`,
        keyTail: `loopback:${r.destPort}/${r.protocol}`,
        resources: [],
      };
      key = this.addCell(p, lo, true).key;
    } else if (r.origin === 'external') {
      // the project's own external listener: the runner host checks it answers
      key = this.addCell('host', r, false).key;
    }
    if (key) this.readiness.set(r.listener, key);
    return key;
  }

  /** Same target (pod, service or external listener), whatever the port. */
  private sameDestination(a: Resolved, b: Resolved): boolean {
    if (typeof a.origin === 'object' || typeof b.origin === 'object') {
      return typeof a.origin === 'object' && typeof b.origin === 'object' && a.origin.service === b.origin.service;
    }
    if (a.origin === 'external' || b.origin === 'external') return a.origin === b.origin && a.host === b.host;
    if (a.origin === 'dns' || b.origin === 'dns') return false;
    return a.destPod !== undefined && a.destPod === b.destPod;
  }

  /** The criterion's explicit control, with the role it can play for this cell. */
  private explicitControl(source: SimPod, r: Resolved, spec: CellSpec): PlanControl | string {
    const c = spec.control!;
    const from = c.from ? this.pods(c.from)[0] : source;
    if (!from) return `control.from matches no running pod (${c.from?.namespace}/${selectorString(c.from?.selector ?? {})})`;
    const protocol: Protocol = spec.protocol ?? 'TCP';
    let target: Resolved | string;
    if (c.to) {
      const list = this.resolveTargets(c.to, c.port ?? spec.port, protocol);
      target = list[0] ?? 'control.to matches nothing';
    } else if (r.origin === 'pod' && r.destPod) {
      target = this.podTarget(r.destPod, c.port ?? spec.port, protocol);
    } else if (typeof r.origin === 'object') {
      target = this.serviceTarget(r.origin.service, c.port ?? spec.port, protocol);
    } else {
      target = c.port !== undefined ? `control.port needs a pod or service target` : r;
    }
    if (typeof target === 'string') return `explicit control unresolvable: ${target}`;
    if (from === target.destPod) return 'explicit control: a pod reaching itself proves nothing';
    const cell = this.addCell(from, target, true);
    this.addReadiness(target);
    const sameDest = this.sameDestination(target, r);
    if (from === source && sameDest && target.keyTail !== r.keyTail) {
      return { key: cell.key, role: 'same-source', how: 'explicit control of the criterion: same source and target, another port' };
    }
    if (from === source && !sameDest) return { key: cell.key, role: 'source', how: 'explicit control of the criterion: the same source reaches another target' };
    if (from !== source && target.keyTail === r.keyTail) return { key: cell.key, role: 'target', how: `explicit control of the criterion: ${podLabel(from)} reaches the same target and port` };
    return `explicit control ${cell.key} is neither the same source nor the same target and port: not a control`;
  }

  /** Same source and target, another port the policies allow. */
  private sameSourceControl(source: SimPod, r: Resolved): PlanControl | undefined {
    const dest = r.destPod;
    if (!dest || r.wire === 'dns') return undefined;
    const alts: Resolved[] = [];
    if (typeof r.origin === 'object') {
      const svc = this.snap.services.find((x) => `${x.name}.${x.namespace}` === (r.origin as { service: string }).service);
      for (const sp of svc?.ports ?? []) {
        const alt = this.serviceTarget(`${svc!.name}.${svc!.namespace}`, sp.name ?? sp.port, sp.protocol ?? 'TCP');
        if (typeof alt !== 'string') alts.push(alt);
      }
    } else if (r.origin === 'pod') {
      for (const cp of dest.ports ?? []) {
        const alt = this.podTarget(dest, cp.containerPort, cp.protocol ?? 'TCP');
        if (typeof alt !== 'string') alts.push(alt);
      }
    }
    for (const alt of alts) {
      if (alt.keyTail === r.keyTail || alt.wire === 'dns') continue;
      if (this.simulate(source, alt)?.verdict !== 'allow') continue;
      const cell = this.addCell(source, alt, true);
      this.addReadiness(alt);
      return { key: cell.key, role: 'same-source', how: `same source and target, port ${alt.port}/${alt.protocol} which the policies allow` };
    }
    return undefined;
  }

  /** The same target and port reached by someone else: another allowed source, or the host (external). */
  private targetControl(source: SimPod, r: Resolved): PlanControl | undefined {
    if (r.origin === 'external') {
      const cell = this.addCell('host', r, false);
      if (r.listener) this.readiness.set(r.listener, cell.key);
      return { key: cell.key, role: 'target', how: 'the runner host reaches the same external listener' };
    }
    if (r.wire === 'dns') {
      for (const p of this.controlSources()) {
        if (p === source) continue;
        if (this.simulate(p, r)?.verdict === 'allow') return { key: this.addCell(p, r, true).key, role: 'target', how: `DNS from ${podLabel(p)}, which the policies allow` };
      }
      return undefined;
    }
    const dest = r.destPod;
    if (!dest) return undefined;
    // the target's namespace first
    const others = this.controlSources().sort((a, b) => Number(b.namespace === dest.namespace) - Number(a.namespace === dest.namespace));
    for (const p of others) {
      if (p === source || p === dest) continue;
      if (this.simulate(p, r)?.verdict === 'allow') {
        return { key: this.addCell(p, r, true).key, role: 'target', how: `same target and port from ${podLabel(p)}, which the policies allow` };
      }
    }
    // No pod may reach it: a node handshake proves the listener answers on the pod network.
    if (r.origin === 'pod' && r.wire === 'tcp') {
      const key = this.nodeHandshake(dest, r.destPort);
      if (key) {
        return {
          key,
          role: 'target',
          how: `node handshake: no source the policies allow reaches this target and port, ${this.handshaker(dest)} completes a TCP handshake with ${r.listener} on the pod network`,
        };
      }
    }
    return undefined;
  }

  /**
   * A host cell connecting to `pod.ip:port` (TCP), when the provider routes pod IPs from the node and
   * the pod is ours (a namespace the criteria name, labelled isoproof.dev/managed=true). undefined otherwise.
   */
  private nodeHandshake(pod: SimPod, port: number): string | undefined {
    if (!this.canHandshake(pod) || pod.hostNetwork || !pod.ip) return undefined;
    if (!this.controlSources().includes(pod)) return undefined;
    if (this.nsMap.get(pod.namespace)?.labels[MANAGED_LABEL] !== 'true') return undefined;
    const t = this.podTarget(pod, port, 'TCP');
    if (typeof t === 'string') return undefined;
    this.addReadiness(t);
    const node = this.agentNode(pod);
    const cell = node
      ? this.addCell({ node, ...(this.opts.podNetworkFromHost ? { hostFallback: true as const } : {}) }, t, false)
      : this.addCell('host', t, false);
    cell.nodeHandshake = true;
    return cell.key;
  }

  /** The node whose hostNetwork agent hand-shakes with `pod` (undefined: unscheduled, or agents off). */
  private agentNode(pod: SimPod): string | undefined {
    return this.opts.nodeAgents !== false && pod.nodeName ? pod.nodeName : undefined;
  }

  /** A node handshake with `pod` can be planned: an agent on its node, or the runner host (podNetworkFromHost). */
  private canHandshake(pod: SimPod): boolean {
    return this.agentNode(pod) !== undefined || this.opts.podNetworkFromHost === true;
  }

  private handshaker(pod: SimPod): string {
    const node = this.agentNode(pod);
    return node ? `a hostNetwork agent on node ${node} (pod-to-own-node traffic is always allowed)` : 'the runner host (podNetworkFromHost)';
  }

  /**
   * Controls of a deny: the explicit one, else a same-source control, else a target-side control (the
   * source-side one is added by sourceControls() once every cell of the plan is known).
   */
  control(source: SimPod, r: Resolved, spec: CellSpec): { controls: PlanControl[]; notes: string[] } {
    const controls: PlanControl[] = [];
    const notes: string[] = [];
    if (spec.control) {
      const e = this.explicitControl(source, r, spec);
      if (typeof e === 'string') notes.push(e);
      else controls.push(e);
    }
    if (controls.some((c) => c.role === 'same-source')) return { controls, notes };
    const same = this.sameSourceControl(source, r);
    if (same) return { controls: [same], notes };
    if (!controls.some((c) => c.role === 'target')) {
      const t = this.targetControl(source, r);
      if (t) controls.push(t);
      else notes.push('no source the policies allow reaches this target and port (loopback inside the target is not a control)');
    }
    // the listener is still checked for readiness (a loopback in the target pod), but that is no control
    this.addReadiness(r);
    return { controls, notes };
  }

  /**
   * A cell in which `source` connects somewhere the policies allow: one the plan already has (the
   * criteria's own allowed cells first), else one added to the plan (a pod of the probed namespaces,
   * the source's namespace first; then cluster DNS; then the external listener).
   */
  sourceControl(source: SimPod): PlanControl | string {
    const label = podLabel(source);
    const usable = (c: PlanCell) =>
      c.runner.kind === 'pod' && c.row === label && c.sim?.verdict === 'allow' && !c.key.includes(' -> loopback:') && c.host !== source.ip;
    const have = [...this.cells.values()].filter(usable).sort((a, b) => a.key.localeCompare(b.key));
    const pick = have.find((c) => c.protocol === 'tcp') ?? have[0];
    if (pick) return { key: pick.key, role: 'source', how: `the same source connects where the policies allow it (${pick.key})` };
    const pods = this.controlSources().sort((a, b) => Number(b.namespace === source.namespace) - Number(a.namespace === source.namespace));
    for (const p of pods) {
      if (p === source) continue;
      for (const cp of p.ports ?? []) {
        const t = this.podTarget(p, cp.containerPort, cp.protocol ?? 'TCP');
        if (typeof t === 'string' || this.simulate(source, t)?.verdict !== 'allow') continue;
        const cell = this.addCell(source, t, true);
        this.addReadiness(t);
        return { key: cell.key, role: 'source', how: `the same source connects where the policies allow it (added: ${cell.key})` };
      }
    }
    const dns = this.dnsTarget('kubernetes.default.svc.cluster.local');
    if (dns.destPod && this.simulate(source, dns)?.verdict === 'allow') {
      const cell = this.addCell(source, dns, true);
      return { key: cell.key, role: 'source', how: `the same source resolves a name through cluster DNS, which the policies allow (added: ${cell.key})` };
    }
    const ext = this.resolveTargets({ external: true }, undefined, 'TCP')[0];
    if (ext && typeof ext !== 'string' && this.simulate(source, ext)?.verdict === 'allow') {
      const cell = this.addCell(source, ext, true);
      this.addReadiness(ext);
      return { key: cell.key, role: 'source', how: `the same source reaches the external listener, which the policies allow (added: ${cell.key})` };
    }
    // A pod that may connect nowhere: a node handshake with a listener in it proves its interface and
    // route work (it sent the SYN-ACK back).
    const tcp = (source.ports ?? []).filter((cp) => (cp.protocol ?? 'TCP') === 'TCP').sort((a, b) => a.containerPort - b.containerPort);
    if (this.canHandshake(source)) {
      for (const cp of tcp) {
        const key = this.nodeHandshake(source, cp.containerPort);
        if (key) {
          return {
            key,
            role: 'source',
            how: `node handshake: the policies let ${label} connect nowhere, ${this.handshaker(source)} completes a TCP handshake with its listener ${label}:${cp.containerPort}/TCP, so its interface and route work`,
          };
        }
      }
      if (tcp.length === 0) return `the policies let ${label} connect nowhere we can probe and it has no TCP listener for a node handshake: no source-side control, cannot prove it could connect`;
    }
    return `the policies let ${label} connect nowhere we can probe: no source-side control, cannot prove it could connect`;
  }

  controlSources(): SimPod[] {
    return this.runnable.filter((p) => this.agentNamespaces.has(p.namespace));
  }

  compile(criteria: Criterion[]): void {
    for (const c of criteria) {
      for (const spec of cellsOf(c)) {
        this.agentNamespaces.add(spec.from.namespace);
        if (isPodRef(spec.to)) this.agentNamespaces.add(spec.to.namespace);
        else if ('service' in spec.to) this.agentNamespaces.add(spec.to.service.split('.')[1] ?? '');
        if (spec.control?.from) this.agentNamespaces.add(spec.control.from.namespace);
      }
    }
    const needSource: Array<{ check: PlanCheck; source: SimPod }> = [];
    for (const c of criteria) {
      cellsOf(c).forEach((spec, i) => {
        const expect = spec.expect === 'deny' ? 'denied' : 'allowed';
        const protocol: Protocol = spec.protocol ?? 'TCP';
        const sources = this.pods(spec.from);
        if (sources.length === 0) {
          this.checks.push({
            criterion: c.id,
            id: `cells[${i}] ${spec.from.namespace}/${selectorString(spec.from.selector)}`,
            expect,
            problem: `no running pod matches ${spec.from.namespace}/${selectorString(spec.from.selector)}`,
          });
          return;
        }
        const targets = this.resolveTargets(spec.to, spec.port, protocol);
        for (const source of sources) {
          for (const t of targets) {
            if (typeof t === 'string') {
              this.checks.push({ criterion: c.id, id: `${podLabel(source)} -> cells[${i}]`, expect, problem: t });
              continue;
            }
            if (t.destPod === source) continue; // a pod to itself is not isolation
            const cell = this.addCell(source, t, true);
            this.addReadiness(t);
            const check: PlanCheck = { criterion: c.id, id: cell.key, expect, cell: cell.key };
            if (expect === 'denied') {
              const ctl = this.control(source, t, spec);
              check.controls = ctl.controls;
              const primary = ctl.controls.find((x) => x.role === 'same-source') ?? ctl.controls.find((x) => x.role === 'target');
              if (primary) check.control = primary.key;
              const how = [...ctl.controls.map((x) => `${x.role}: ${x.how}`), ...ctl.notes].join('; ');
              if (how) check.controlHow = how;
              if (!ctl.controls.some((x) => x.role === 'same-source')) needSource.push({ check, source });
            }
            if (!this.checks.some((x) => x.criterion === c.id && x.id === check.id)) this.checks.push(check);
          }
        }
      });
    }
    // Source-side controls, once every cell the criteria need is in the plan (their allowed cells are reused).
    const bySource = new Map<SimPod, PlanControl | string>();
    for (const { check, source } of needSource) {
      let sc = bySource.get(source);
      if (sc === undefined) bySource.set(source, (sc = this.sourceControl(source)));
      if (typeof sc === 'string') {
        check.sourceProblem = sc;
        check.controlHow = [check.controlHow, `source: ${sc}`].filter(Boolean).join('; ');
      } else if (!check.controls!.some((x) => x.role === 'source')) {
        check.controls!.push(sc);
        check.controlHow = [check.controlHow, `source: ${sc.how}`].filter(Boolean).join('; ');
      }
    }
  }
}

/**
 * Compiles criteria into a probe plan: cells resolved to concrete pods/IPs against a snapshot,
 * deduplicated across criteria, a control for every deny, a readiness cell for every listener, and
 * the simulation of the current policies on each cell.
 */
export function compilePlan(criteria: Criterion[], snapshot: Snapshot, opts: CompileOptions = {}): ProbePlan {
  const c = new Compiler(snapshot, opts);
  c.compile(criteria);
  return { cells: c.cells, checks: c.checks, readiness: c.readiness };
}

/** A runner's batch key: "ns/pod" for pods, "host" for the runner host, "node <name>" for a node agent. */
export function runnerKey(r: CellRunner): string {
  return r.kind === 'host' ? 'host' : r.kind === 'node' ? `node ${r.node}` : `${r.namespace}/${r.pod}`;
}

/** Cells grouped by where they run (runnerKey). One exec per pod or node agent group. */
export function batchBySource(cells: Iterable<PlanCell>): Map<string, PlanCell[]> {
  const out = new Map<string, PlanCell[]>();
  for (const cell of cells) {
    const k = runnerKey(cell.runner);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(cell);
  }
  return out;
}
