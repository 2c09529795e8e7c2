import { X509Certificate } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { ProbeContext, Redactor } from '@isoproof/core';
import type { KubeHandle, KubeObject } from '@isoproof/kube';
import { applyObjects, KubeApiError, loadKube, rawRequest } from '@isoproof/kube';
import { type IngressLike, issueFor, planSecrets, type PlannedSecret, TEST_CERT_ANNOTATION } from './certificate-plan';
import { parseAddress } from './address';
import { handshake } from './handshake';
import type { ClientCertificate } from './inspect';
import { scenarioNamespaces } from './targets';
import { type IssuedCertificate, TestCa } from './test-ca';
import { writeIngressConfig } from './traefik-option';

/** Name of the client CA Secret (ingress-nginx auth-tls-secret). */
export const CLIENT_CA_SECRET = 'ecommerce-client-ca';

export interface ScenarioCertificatesOptions {
  redactor: Redactor;
  scenario: string;
  /** Bound of the wait until the ingress serves the new certificates (default 45 s). */
  waitMs?: number;
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

async function listIngresses(kube: KubeHandle, namespaces: string[]): Promise<IngressLike[]> {
  const all = await Promise.all(
    namespaces.map(async (ns) => {
      const res = await rawRequest(kube, { method: 'GET', path: `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/ingresses`, timeoutMs: 10_000 });
      if (res.status !== 200) throw new KubeApiError(`list Ingresses in ${ns}: HTTP ${res.status}`, res.status);
      return ((res.body as { items?: IngressLike[] }).items ?? []) as IngressLike[];
    }),
  );
  return all.flat();
}

/**
 * Waits (bounded) until the ingress serves, for every host, the certificate just issued (a
 * wrong-host certificate is never served for the host: there, any handshake will do), then lets the
 * controller settle. Without an ingress address there is nothing to wait for.
 */
async function waitServed(ctx: ProbeContext, issued: { plan: PlannedSecret; cert: IssuedCertificate }[], client: IssuedCertificate, timeoutMs: number): Promise<void> {
  const address = ctx.facts.ingressAddress ? parseAddress(ctx.facts.ingressAddress, 443) : undefined;
  if (!address) return;
  const deadline = Date.now() + timeoutMs;
  const pending = new Map<string, string | undefined>();
  for (const { plan, cert } of issued) {
    const fp = plan.profile === 'wrong-host' ? undefined : new X509Certificate(cert.certPem).fingerprint256;
    for (const h of plan.hosts) pending.set(h, fp);
  }
  while (pending.size && Date.now() < deadline && !ctx.signal?.aborted) {
    await Promise.all(
      [...pending.entries()].map(async ([host, fp]) => {
        const r = await handshake({ address, servername: host, timeoutMs: 2_000, cert: client.certPem, key: client.keyPem });
        if (r.class === 'ok' && (fp === undefined || r.chain?.[0]?.fingerprint256 === fp)) pending.delete(host);
      }),
    );
    if (pending.size) await new Promise((r) => setTimeout(r, 500));
  }
  if (pending.size) ctx.log(`prepare: the ingress does not serve the new certificates of ${[...pending.keys()].join(', ')} yet; probing anyway`);
  // routers, middlewares and TLS options come with the same configuration generation; give the
  // controller one more throttle period to apply everything.
  await new Promise((r) => setTimeout(r, 2_000));
}

/**
 * A scenario's test CA and client certificate, made by prepare and read by the TLS probe; one value
 * per scenario definition (its prepare and cleanup hooks hold it).
 */
export class ScenarioCertificates {
  ca: TestCa | undefined;
  client: IssuedCertificate | undefined;
  /** The ingress configuration file prepare wrote (facts.ingressDynamicDir), removed by cleanup. */
  ingressConfigFile: string | undefined;

  constructor(private readonly o: ScenarioCertificatesOptions) {}

  /** The CA certificate the probe checks chains against (undefined before prepare). */
  caPem(): string | undefined {
    return this.ca?.certPem;
  }

  /** The client certificate for the probe's mTLS checks (undefined before prepare). */
  clientCertificate(): ClientCertificate | undefined {
    return this.client ? { certPem: this.client.certPem, keyPem: this.client.keyPem } : undefined;
  }

  /**
   * Creates the test CA (once per value) and client certificate, issues one certificate per Ingress
   * tls secret according to the Ingress's isoproof.dev/test-certificate annotation, applies the
   * kubernetes.io/tls Secrets and the client CA Secret (run-labelled, key material registered with
   * the redactor), writes Traefik's mTLS option when facts.ingressDynamicDir is set, and waits until
   * the ingress serves the new certificates.
   */
  async prepare(ctx: ProbeContext): Promise<void> {
    const { o } = this;
    const kube = loadKube(ctx.kubeconfigPath, ctx.context);
    this.ca ??= await TestCa.create({ commonName: `isoproof ${o.scenario} test CA`, redactor: o.redactor });
    const ca = this.ca;
    this.client ??= await ca.issueClient(`${o.scenario} client`);
    const client = this.client;

    const namespaces = await scenarioNamespaces(kube, o.scenario);
    const plans = planSecrets(await listIngresses(kube, namespaces));
    const issued = await Promise.all(plans.map(async (plan) => ({ plan, cert: await issueFor(ca, plan) })));
    const objects: KubeObject[] = issued.map(({ plan, cert }) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: plan.secretName, namespace: plan.namespace, annotations: { [TEST_CERT_ANNOTATION]: plan.profile } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(cert.certPem), 'tls.key': b64(cert.keyPem) },
    }));
    for (const ns of namespaces) {
      objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: CLIENT_CA_SECRET, namespace: ns }, type: 'Opaque', data: { 'ca.crt': b64(ca.certPem) } });
    }
    for (const { cert } of issued) o.redactor.register(cert.keyPem);
    // The TLS option first: when the ingress serves the new certificates (waitServed), the option
    // they need is already loaded.
    this.ingressConfigFile = (await writeIngressConfig(ctx.facts, o.scenario, ca.certPem)) ?? this.ingressConfigFile;
    await applyObjects(kube, objects, { runId: ctx.run.id, scenario: o.scenario, fieldManager: 'isoproof' });
    ctx.log(`prepare: ${issued.map(({ plan }) => `${plan.namespace}/${plan.secretName}=${plan.profile}`).join(', ')}`);

    await waitServed(ctx, issued, client, o.waitMs ?? 45_000);
  }

  /**
   * Removes what prepare wrote outside the cluster (the ingress TLS option file). Call it after the
   * scenario's objects are gone (an Ingress still naming the option would make the controller log
   * "unknown TLS options"). Idempotent.
   */
  async cleanup(): Promise<void> {
    const file = this.ingressConfigFile;
    if (!file) return;
    await rm(file, { force: true });
    this.ingressConfigFile = undefined;
  }
}
