import type { ResourceRef } from '@isoproof/core';
import { matchesSelector, selectorString } from './selectors';
import type { CompileOptions, WireProtocol } from './plan';
import type { ControlSpec, PodRef, TargetSpec } from './spec';
import { isPodRef } from './spec';
import type { Protocol, SimPod, SimService, SimTarget, Snapshot } from './types';

export const podLabel = (p: SimPod) => `${p.namespace}/${p.name}`;
export const podRef = (p: SimPod): ResourceRef => ({ kind: 'Pod', namespace: p.namespace, name: p.name });

/** A target spec resolved against the snapshot: one concrete destination. */
export interface Resolved {
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

/** Resolves the pods, Services, DNS names and the external listener the criteria name. */
export class TargetResolver {
  /** Pods a probe can run in or reach (not hostNetwork, with an IP), sorted by namespace/name. */
  readonly runnable: SimPod[];

  constructor(
    private readonly snap: Snapshot,
    private readonly opts: CompileOptions,
  ) {
    this.runnable = snap.pods.filter((p) => !p.hostNetwork && p.ip).sort((a, b) => podLabel(a).localeCompare(podLabel(b)));
  }

  pods(ref: PodRef): SimPod[] {
    return this.runnable.filter((p) => p.namespace === ref.namespace && matchesSelector({ matchLabels: ref.selector }, p.labels));
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
}
