import { MANAGED_LABEL } from '@isoproof/core';
import { selectorString } from './selectors';
import type { PlanCell, PlanControl, CompileOptions } from './plan';
import type { PlanBuilder } from './plan-builder';
import type { CellSpec } from './spec';
import type { Resolved, TargetResolver } from './targets';
import { podLabel } from './targets';
import type { Protocol, SimPod, Snapshot } from './types';

/**
 * Plans the controls of deny checks (see PlanControl): an explicit one, a same-source one, a
 * target-side one, a source-side one, and node handshakes where no pod can give one.
 */
export class ControlPlanner {
  constructor(
    private readonly snap: Snapshot,
    private readonly opts: CompileOptions,
    private readonly targets: TargetResolver,
    private readonly plan: PlanBuilder,
    /** Namespaces whose pods run the agent image (those the criteria name as sources or pod targets). */
    private readonly agentNamespaces: ReadonlySet<string>,
  ) {}

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
    const from = c.from ? this.targets.pods(c.from)[0] : source;
    if (!from) return `control.from matches no running pod (${c.from?.namespace}/${selectorString(c.from?.selector ?? {})})`;
    const protocol: Protocol = spec.protocol ?? 'TCP';
    let target: Resolved | string;
    if (c.to) {
      const list = this.targets.resolveTargets(c.to, c.port ?? spec.port, protocol);
      target = list[0] ?? 'control.to matches nothing';
    } else if (r.origin === 'pod' && r.destPod) {
      target = this.targets.podTarget(r.destPod, c.port ?? spec.port, protocol);
    } else if (typeof r.origin === 'object') {
      target = this.targets.serviceTarget(r.origin.service, c.port ?? spec.port, protocol);
    } else {
      target = c.port !== undefined ? `control.port needs a pod or service target` : r;
    }
    if (typeof target === 'string') return `explicit control unresolvable: ${target}`;
    if (from === target.destPod) return 'explicit control: a pod reaching itself proves nothing';
    const cell = this.plan.addCell(from, target, true);
    this.plan.addReadiness(target);
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
        const alt = this.targets.serviceTarget(`${svc!.name}.${svc!.namespace}`, sp.name ?? sp.port, sp.protocol ?? 'TCP');
        if (typeof alt !== 'string') alts.push(alt);
      }
    } else if (r.origin === 'pod') {
      for (const cp of dest.ports ?? []) {
        const alt = this.targets.podTarget(dest, cp.containerPort, cp.protocol ?? 'TCP');
        if (typeof alt !== 'string') alts.push(alt);
      }
    }
    for (const alt of alts) {
      if (alt.keyTail === r.keyTail || alt.wire === 'dns') continue;
      if (this.plan.simulate(source, alt)?.verdict !== 'allow') continue;
      const cell = this.plan.addCell(source, alt, true);
      this.plan.addReadiness(alt);
      return { key: cell.key, role: 'same-source', how: `same source and target, port ${alt.port}/${alt.protocol} which the policies allow` };
    }
    return undefined;
  }

  /** The same target and port reached by someone else: another allowed source, or the host (external). */
  private targetControl(source: SimPod, r: Resolved): PlanControl | undefined {
    if (r.origin === 'external') {
      const cell = this.plan.addCell('host', r, false);
      if (r.listener) this.plan.readiness.set(r.listener, cell.key);
      return { key: cell.key, role: 'target', how: 'the runner host reaches the same external listener' };
    }
    if (r.wire === 'dns') {
      for (const p of this.controlSources()) {
        if (p === source) continue;
        if (this.plan.simulate(p, r)?.verdict === 'allow') return { key: this.plan.addCell(p, r, true).key, role: 'target', how: `DNS from ${podLabel(p)}, which the policies allow` };
      }
      return undefined;
    }
    const dest = r.destPod;
    if (!dest) return undefined;
    // the target's namespace first
    const others = this.controlSources().sort((a, b) => Number(b.namespace === dest.namespace) - Number(a.namespace === dest.namespace));
    for (const p of others) {
      if (p === source || p === dest) continue;
      if (this.plan.simulate(p, r)?.verdict === 'allow') {
        return { key: this.plan.addCell(p, r, true).key, role: 'target', how: `same target and port from ${podLabel(p)}, which the policies allow` };
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
    if (this.plan.nsMap.get(pod.namespace)?.labels[MANAGED_LABEL] !== 'true') return undefined;
    const t = this.targets.podTarget(pod, port, 'TCP');
    if (typeof t === 'string') return undefined;
    this.plan.addReadiness(t);
    const node = this.agentNode(pod);
    const cell = node
      ? this.plan.addCell({ node, ...(this.opts.podNetworkFromHost ? { hostFallback: true as const } : {}) }, t, false)
      : this.plan.addCell('host', t, false);
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
    this.plan.addReadiness(r);
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
    const have = [...this.plan.cells.values()].filter(usable).sort((a, b) => a.key.localeCompare(b.key));
    const pick = have.find((c) => c.protocol === 'tcp') ?? have[0];
    if (pick) return { key: pick.key, role: 'source', how: `the same source connects where the policies allow it (${pick.key})` };
    const pods = this.controlSources().sort((a, b) => Number(b.namespace === source.namespace) - Number(a.namespace === source.namespace));
    for (const p of pods) {
      if (p === source) continue;
      for (const cp of p.ports ?? []) {
        const t = this.targets.podTarget(p, cp.containerPort, cp.protocol ?? 'TCP');
        if (typeof t === 'string' || this.plan.simulate(source, t)?.verdict !== 'allow') continue;
        const cell = this.plan.addCell(source, t, true);
        this.plan.addReadiness(t);
        return { key: cell.key, role: 'source', how: `the same source connects where the policies allow it (added: ${cell.key})` };
      }
    }
    const dns = this.targets.dnsTarget('kubernetes.default.svc.cluster.local');
    if (dns.destPod && this.plan.simulate(source, dns)?.verdict === 'allow') {
      const cell = this.plan.addCell(source, dns, true);
      return { key: cell.key, role: 'source', how: `the same source resolves a name through cluster DNS, which the policies allow (added: ${cell.key})` };
    }
    const ext = this.targets.resolveTargets({ external: true }, undefined, 'TCP')[0];
    if (ext && typeof ext !== 'string' && this.plan.simulate(source, ext)?.verdict === 'allow') {
      const cell = this.plan.addCell(source, ext, true);
      this.plan.addReadiness(ext);
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
    return this.targets.runnable.filter((p) => this.agentNamespaces.has(p.namespace));
  }
}
