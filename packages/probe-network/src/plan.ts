import type { Criterion, ResourceRef } from '@isoproof/core';
import { matchesSelector, selectorString } from './selectors';
import { simulateCell, withNameLabel } from './simulator';
import type { CellSpec, ControlSpec, PodRef, TargetSpec } from './spec';
import { cellsOf, isPodRef } from './spec';
import type { Protocol, SimCell, SimNamespace, SimPod, SimResult, SimService, SimTarget, Snapshot } from './types';

export type WireProtocol = 'tcp' | 'udp' | 'dns';

/** Where a cell's connect runs: inside a pod (one agent exec per pod), or on the runner host. */
export type CellRunner = { kind: 'pod'; namespace: string; pod: string; container?: string } | { kind: 'host' };

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
  /** Truth-table labels. */
  row: string;
  col: string;
}

export interface PlanCheck {
  criterion: string;
  /** = the probe cell key. */
  id: string;
  expect: 'denied' | 'allowed';
  cell?: string;
  control?: string;
  /** How the control was chosen. */
  controlHow?: string;
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
}

const podLabel = (p: SimPod) => `${p.namespace}/${p.name}`;
const podRef = (p: SimPod): ResourceRef => ({ kind: 'Pod', namespace: p.namespace, name: p.name });

interface Resolved {
  /** What the spec named: a pod, a Service ("name.ns"), a DNS name or the external listener. */
  origin: 'pod' | { service: string } | 'dns' | 'external';
  target: SimTarget;
  /** Pod actually reached (pod target, or the Service's first backing pod). */
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
    let destPort = typeof sp.targetPort === 'number' ? sp.targetPort : sp.port;
    if (typeof sp.targetPort === 'string' && first) {
      const named = (first.ports ?? []).find((cp) => cp.name === sp.targetPort && (cp.protocol ?? 'TCP') === protocol);
      if (named) destPort = named.containerPort;
      else if (/^\d+$/.test(sp.targetPort)) destPort = Number(sp.targetPort);
    }
    const tail = `svc ${svc.namespace}/${svc.name}:${sp.port}/${protocol}`;
    return {
      origin: { service: ref },
      target: first ? { pod: first } : { ip: svc.clusterIP },
      destPod: first,
      host: svc.clusterIP,
      port: sp.port,
      destPort,
      protocol,
      wire: protocol === 'UDP' ? 'udp' : 'tcp',
      col: tail,
      keyTail: tail,
      resources: [{ kind: 'Service', namespace: svc.namespace, name: svc.name }, ...(first ? [podRef(first)] : [])],
      listener: first ? `${podLabel(first)}:${destPort}/${protocol}` : undefined,
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

  addCell(runner: SimPod | 'host', r: Resolved, simulate: boolean): PlanCell {
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
    } else if ('ip' in r.target && r.wire === 'tcp') {
      key = this.addCell('host', r, false).key;
    }
    if (key) this.readiness.set(r.listener, key);
    return key;
  }

  control(source: SimPod, r: Resolved, spec: CellSpec): { key?: string; how?: string } {
    // 1. explicit control of the criterion
    if (spec.control) {
      const c = spec.control;
      const from = c.from ? this.pods(c.from)[0] : source;
      if (!from) return { how: `control.from matches no running pod (${c.from?.namespace}/${selectorString(c.from?.selector ?? {})})` };
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
      if (typeof target === 'string') return { how: `explicit control unresolvable: ${target}` };
      const cell = this.addCell(from, target, true);
      this.addReadiness(target);
      return { key: cell.key, how: 'explicit control of the criterion' };
    }
    // external: the host connects to the same listener
    if (r.origin === 'external') {
      const cell = this.addCell('host', r, false);
      if (r.listener) this.readiness.set(r.listener, cell.key);
      return { key: cell.key, how: 'the runner host reaches the same external listener' };
    }
    if (r.wire === 'dns') {
      for (const p of this.controlSources()) {
        if (p === source) continue;
        const sim = this.simulate(p, r);
        if (sim?.verdict === 'allow') return { key: this.addCell(p, r, true).key, how: `DNS from ${podLabel(p)}, which the policies allow` };
      }
      return {};
    }
    const dest = r.destPod;
    if (!dest) return {};
    // 2. same source and target, another port the policies allow
    if (r.origin === 'pod') {
      for (const cp of dest.ports ?? []) {
        const proto = cp.protocol ?? 'TCP';
        if (cp.containerPort === r.destPort && proto === r.protocol) continue;
        const alt = this.podTarget(dest, cp.containerPort, proto);
        if (typeof alt === 'string') continue;
        if (this.simulate(source, alt)?.verdict === 'allow') {
          const cell = this.addCell(source, alt, true);
          this.addReadiness(alt);
          return { key: cell.key, how: `same source and target, port ${cp.containerPort}/${proto} which the policies allow` };
        }
      }
    }
    // 3. same target and port from a source the policies allow (the target's namespace first)
    const others = this.controlSources().sort((a, b) => Number(b.namespace === dest.namespace) - Number(a.namespace === dest.namespace));
    for (const p of others) {
      if (p === source || p === dest) continue;
      if (this.simulate(p, r)?.verdict === 'allow') {
        return { key: this.addCell(p, r, true).key, how: `same target and port from ${podLabel(p)}, which the policies allow` };
      }
    }
    // 4. loopback inside the target pod: the listener answers, only the network is in the way
    const lo = this.addReadiness(r);
    if (lo) return { key: lo, how: 'loopback inside the target pod (no source is allowed to reach it)' };
    return {};
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
              if (ctl.key) check.control = ctl.key;
              if (ctl.how) check.controlHow = ctl.how;
            }
            if (!this.checks.some((x) => x.criterion === c.id && x.id === check.id)) this.checks.push(check);
          }
        }
      });
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

/** Cells grouped by where they run: "ns/pod" for pods, "host" for the runner. One exec per pod group. */
export function batchBySource(cells: Iterable<PlanCell>): Map<string, PlanCell[]> {
  const out = new Map<string, PlanCell[]>();
  for (const cell of cells) {
    const k = cell.runner.kind === 'host' ? 'host' : `${cell.runner.namespace}/${cell.runner.pod}`;
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(cell);
  }
  return out;
}
