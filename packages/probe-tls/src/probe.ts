import { readFileSync } from 'node:fs';
import type { Check, Criterion, ProbeContext } from '@isoproof/core';
import type { DefinedProbeFamily, ProbeRun } from '@isoproof/kube';
import { defineProbeFamily } from '@isoproof/kube';
import { observe } from './checks';
import { aspectOf, parseSpec, selectTargets, specProblems, type TlsSpec } from './spec';
import { type Address, formatAddress, parseAddress } from './address';
import { type Aspect, type ClientCertificate, createLimiter, type HostInspection, inspectHost } from './inspect';
import { hostTable } from './report';
import { ENDPOINTS_FACT, endpointTargets, parseEndpoints, readCaFile } from './endpoints';
import { discoverTargets, type EnumerationNote, scenarioNamespaces, targetKey, type TlsTarget } from './targets';

/** Facts read from ProbeContext.facts. */
export const FACTS = {
  /** host:port of the ingress HTTPS entry point (SNI picks the host). */
  ingressAddress: 'ingressAddress',
  /** host:port of the ingress plain HTTP entry point (redirect check). */
  ingressHttpAddress: 'ingressHttpAddress',
  /** Address of a node, for public NodePort/LoadBalancer Services. */
  nodeAddress: 'nodeAddress',
  /** PEM file (or inline PEM in tlsCaPem) of the CA certificates must chain to. */
  tlsCaFile: 'tlsCaFile',
  tlsCaPem: 'tlsCaPem',
  /** Client certificate and key (PEM files) for the positive mTLS attempt. */
  tlsClientCertFile: 'tlsClientCertFile',
  tlsClientKeyFile: 'tlsClientKeyFile',
} as const;

export interface TlsProbeOptions {
  /** The CA certificates must chain to; overrides facts (e.g. the scenario's test CA, known after prepare). */
  ca?: () => string | undefined;
  /** Client certificate for mTLS checks; overrides facts. */
  clientCertificate?: () => ClientCertificate | undefined;
  /** Explicit targets instead of discovery from the cluster (tests, benchmarks). */
  targets?: () => TlsTarget[];
  /** Concurrent connections across all hosts (default 16). */
  concurrency?: number;
  now?: () => Date;
}

export interface TlsProbeRun {
  targets: TlsTarget[];
  notes: EnumerationNote[];
  inspections: Map<string, HostInspection>;
  durationMs: number;
}

function readFact(ctx: ProbeContext, pemKey: string, fileKey: string): string | undefined {
  const inline = ctx.facts[pemKey];
  if (inline) return inline;
  const file = ctx.facts[fileKey];
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The 'tls' probe family. */
export interface TlsProbeFamily extends DefinedProbeFamily {
  /** The last run's targets and inspections (for the report and tests). */
  readonly lastRun: TlsProbeRun | undefined;
}

export function createTlsProbe(opts: TlsProbeOptions = {}): TlsProbeFamily {
  let last: TlsProbeRun | undefined;
  const family = defineProbeFamily({ kind: 'tls', validateSpec: specProblems, run });
  return Object.defineProperty(family, 'lastRun', { get: () => last, enumerable: true }) as TlsProbeFamily;

  async function run(criteria: Criterion[], ctx: ProbeContext, out: ProbeRun): Promise<void> {
    const started = Date.now();
    const specs = new Map<string, TlsSpec>(criteria.map((c) => [c.id, parseSpec(c)]));
    const caPem = opts.ca?.() ?? readFact(ctx, FACTS.tlsCaPem, FACTS.tlsCaFile);
    const client =
      opts.clientCertificate?.() ??
      (() => {
        const cert = readFact(ctx, '', FACTS.tlsClientCertFile);
        const key = readFact(ctx, '', FACTS.tlsClientKeyFile);
        return cert && key ? { certPem: cert, keyPem: key } : undefined;
      })();

    // 1. targets
    let targets: TlsTarget[];
    const notes: EnumerationNote[] = [];
    if (opts.targets) {
      targets = opts.targets();
    } else {
      const kube = out.kube;
      const extra = [...new Set([...specs.values()].flatMap((s) => s.namespaces))];
      const namespaces = await scenarioNamespaces(kube, ctx.scenario, extra);
      const found = await discoverTargets(kube, namespaces);
      targets = found.targets;
      notes.push(...found.notes);
      ctx.log(`tls: ${targets.length} public endpoints in ${namespaces.join(', ') || 'no namespace'}`);
    }

    // Endpoints the user configured for this scenario (tls.endpoints): real hosts with their own trust.
    const configured = ctx.facts[ENDPOINTS_FACT] ? endpointTargets(parseEndpoints(ctx.facts[ENDPOINTS_FACT] as string), ctx.scenario) : [];
    if (configured.length) {
      targets = [...targets, ...configured];
      ctx.log(`tls: ${configured.length} configured endpoint(s): ${configured.map((t) => t.host).join(', ')}`);
    }
    // The CA each target's chain must lead to: an endpoint's own CA file or the system trust store
    // (caPem undefined, systemTrust); the scenario's CA (family option or facts) for the cluster's hosts.
    const trustOf = (t: TlsTarget): { caPem?: string; systemTrust?: boolean; caError?: string } => {
      if (t.trust === 'system') return { systemTrust: true };
      if (t.trust) {
        const r = readCaFile(t.trust.caFile);
        return r.pem ? { caPem: r.pem } : { caError: r.error ?? 'CA file unreadable' };
      }
      return caPem ? { caPem } : {};
    };

    // 2. what each host needs
    const https = ctx.facts[FACTS.ingressAddress] ? parseAddress(ctx.facts[FACTS.ingressAddress] as string, 443) : undefined;
    const http = ctx.facts[FACTS.ingressHttpAddress] ? parseAddress(ctx.facts[FACTS.ingressHttpAddress] as string, 80) : undefined;
    const nodeHost = ctx.facts[FACTS.nodeAddress] ?? https?.host;
    const needs = new Map<string, { target: TlsTarget; aspects: Set<Aspect>; timeoutMs: number }>();
    for (const c of criteria) {
      const spec = specs.get(c.id) as TlsSpec;
      for (const t of selectTargets(targets, spec)) {
        if (!t.tlsDeclared && spec.check !== 'tls-configured') continue;
        const key = targetKey(t);
        let n = needs.get(key);
        if (!n) needs.set(key, (n = { target: t, aspects: new Set<Aspect>(['handshake']), timeoutMs: spec.timeoutMs }));
        n.aspects.add(aspectOf(spec.check));
        n.timeoutMs = Math.min(n.timeoutMs, spec.timeoutMs);
      }
    }

    // 3. inspect every host concurrently (bounded connections)
    const addressOf = (t: TlsTarget): { https?: Address; http?: Address } => {
      if (t.kind === 'endpoint') return { ...(t.address ? { https: t.address } : {}), ...(t.httpAddress ? { http: t.httpAddress } : {}) };
      if (t.kind === 'service') return nodeHost ? { https: { host: nodeHost, port: t.port } } : {};
      const a: { https?: Address; http?: Address } = {};
      if (https) a.https = https;
      if (http) a.http = http;
      return a;
    };
    const limit = createLimiter(opts.concurrency ?? 16);
    const inspections = new Map<string, HostInspection>();
    await Promise.all(
      [...needs.entries()].map(async ([key, n]) => {
        if (!n.target.tlsDeclared) return; // nothing to measure: the host has no TLS to judge
        const a = addressOf(n.target);
        if (!a.https && !a.http) return;
        const req: Parameters<typeof inspectHost>[0] = { host: n.target.host, aspects: n.aspects, timeoutMs: n.timeoutMs, limit };
        if (a.https) req.https = a.https;
        if (a.http) req.http = a.http;
        const trust = trustOf(n.target);
        if (trust.caPem) req.caPem = trust.caPem;
        if (client) req.client = client;
        inspections.set(key, await inspectHost(req));
      }),
    );

    // 4. one check per (criterion, host)
    const now = opts.now?.() ?? new Date();
    for (const c of criteria) {
      const spec = specs.get(c.id) as TlsSpec;
      const checks: Check[] = [];
      for (const t of selectTargets(targets, spec)) {
        if (!t.tlsDeclared && spec.check !== 'tls-configured') continue;
        const a = addressOf(t);
        const input: Parameters<typeof observe>[0] = {
          target: t,
          spec,
          inspection: inspections.get(targetKey(t)),
          hasClientCertificate: client !== undefined,
          via: a.https ? formatAddress(a.https) : '(no address)',
          now,
        };
        if (a.http) input.viaHttp = formatAddress(a.http);
        const trust = trustOf(t);
        if (trust.caPem) input.caPem = trust.caPem;
        if (trust.systemTrust) input.systemTrust = true;
        if (trust.caError && spec.check === 'chain') input.unavailable = trust.caError;
        if (t.kind === 'endpoint' && spec.check === 'redirect' && !a.http) {
          input.unavailable = `no httpAddress configured for endpoint ${t.host} (tls.endpoints[].httpAddress)`;
        } else if (!a.https && spec.check !== 'redirect') {
          input.unavailable = t.kind === 'service' ? 'facts.nodeAddress is not set: the provider gives no node address' : 'facts.ingressAddress is not set: the provider gives no ingress address';
        } else if (spec.check === 'redirect' && !a.http) {
          input.unavailable = 'facts.ingressHttpAddress is not set: the provider gives no HTTP ingress address';
        }
        const r = observe(input);
        const check: Check = { id: `${t.host}:${t.port} ${spec.check}`, expect: r.expect, observation: r.observation };
        if (r.control) check.control = r.control;
        checks.push(check);
      }
      out.checks(c.id).push(...checks);
    }
    last = { targets, notes, inspections, durationMs: Date.now() - started };
    ctx.log(`tls: probed ${inspections.size} hosts in ${last.durationMs} ms`);
    out.section(hostTable(last, opts.now?.() ?? new Date()));
  }
}
