import { X509Certificate } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProbeContext, Redactor } from '@isoproof/core';
import { IsoproofError } from '@isoproof/core';
import type { KubeHandle, KubeObject } from '@isoproof/kube';
import { applyObjects, loadKube, rawRequest } from '@isoproof/kube';
import { handshake, type IssuedCertificate, parseAddress, scenarioNamespaces, TestCa } from '@isoproof/probe-tls';

/** Which certificate prepare issues for an Ingress's tls secrets (annotation on the Ingress). */
export const TEST_CERT_ANNOTATION = 'isoproof.dev/test-certificate';
export const CERT_PROFILES = ['valid', 'expired', 'wrong-host', 'rsa-1024', 'sha1'] as const;
export type CertProfile = (typeof CERT_PROFILES)[number];
/** The host a wrong-host certificate names. */
export const WRONG_HOST = 'wrong.example.net';
/** Name of the client CA Secret (ingress-nginx auth-tls-secret) and of the Traefik TLS option. */
export const CLIENT_CA_SECRET = 'ecommerce-client-ca';
export const MTLS_OPTION = 'tls-endpoints-mtls';
/** Fact: Traefik's watched dynamic configuration directory (local cluster). */
export const DYNAMIC_DIR_FACT = 'ingressDynamicDir';

/** Mozilla intermediate TLS 1.2 suites, Go names (the mTLS option keeps the baseline's ciphers). */
const GO_INTERMEDIATE = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
];

/** The scenario's test CA and client certificate, created by prepare and read by the TLS probe. */
export interface TlsScenarioState {
  ca?: TestCa;
  client?: IssuedCertificate;
  /** The ingress configuration file prepare wrote (facts.ingressDynamicDir), removed by cleanupTls. */
  ingressConfigFile?: string;
}

interface IngressLike {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { tls?: { hosts?: string[]; secretName?: string }[] };
}

export interface PlannedSecret {
  namespace: string;
  secretName: string;
  hosts: string[];
  profile: CertProfile;
  ingress: string;
}

/** Pure: the tls secrets to create from the live Ingresses (one per namespace/secretName). */
export function planSecrets(ingresses: IngressLike[]): PlannedSecret[] {
  const out = new Map<string, PlannedSecret>();
  for (const ing of ingresses) {
    const namespace = ing.metadata?.namespace ?? 'default';
    const raw = ing.metadata?.annotations?.[TEST_CERT_ANNOTATION] ?? 'valid';
    if (!(CERT_PROFILES as readonly string[]).includes(raw)) {
      throw new IsoproofError(
        'ISOPROOF_INVALID_MANIFEST',
        `Ingress ${namespace}/${ing.metadata?.name ?? '?'}: ${TEST_CERT_ANNOTATION}=${raw} is not one of ${CERT_PROFILES.join(', ')}`,
      );
    }
    for (const t of ing.spec?.tls ?? []) {
      if (!t.secretName) continue;
      const key = `${namespace}/${t.secretName}`;
      const prev = out.get(key);
      const hosts = [...new Set([...(prev?.hosts ?? []), ...(t.hosts ?? [])])];
      out.set(key, { namespace, secretName: t.secretName, hosts, profile: prev?.profile ?? (raw as CertProfile), ingress: ing.metadata?.name ?? '' });
    }
  }
  return [...out.values()];
}

export async function issueFor(ca: TestCa, p: PlannedSecret): Promise<IssuedCertificate> {
  const [first, ...more] = p.hosts.length ? p.hosts : ['localhost'];
  const host = first as string;
  switch (p.profile) {
    case 'valid':
      return ca.issueServer(host, more);
    case 'expired':
      return ca.issueExpired(host, more);
    case 'wrong-host':
      return ca.issueWrongHost(WRONG_HOST);
    case 'rsa-1024':
      return ca.issueServer(host, more, { key: { type: 'rsa', bits: 1024 } });
    case 'sha1':
      return ca.issueServer(host, more, { digest: 'sha1' });
  }
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** The Traefik dynamic config of the mTLS option, the CA inline (a changed file content is reloaded). */
export function traefikMtlsConfig(caPem: string): string {
  const pem = caPem.trim().split('\n').map((l) => `            ${l}`).join('\n');
  return [
    '# Written by the tls-endpoints scenario (prepare): client-certificate TLS option of admin.example.com.',
    'tls:',
    '  options:',
    `    ${MTLS_OPTION}:`,
    '      minVersion: VersionTLS12',
    '      cipherSuites:',
    ...GO_INTERMEDIATE.map((s) => `        - ${s}`),
    '      clientAuth:',
    '        clientAuthType: RequireAndVerifyClientCert',
    '        caFiles:',
    '          - |',
    pem,
    '',
  ].join('\n');
}

async function listIngresses(kube: KubeHandle, namespaces: string[]): Promise<IngressLike[]> {
  const all = await Promise.all(
    namespaces.map(async (ns) => {
      const res = await rawRequest(kube, { method: 'GET', path: `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/ingresses`, timeoutMs: 10_000 });
      if (res.status !== 200) throw new IsoproofError('ISOPROOF_KUBE_API', `list Ingresses in ${ns}: HTTP ${res.status}`);
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

/** The file prepare writes into facts.ingressDynamicDir (undefined when the fact is not set). */
export function ingressConfigFile(facts: Record<string, string>, scenario: string): string | undefined {
  const dir = facts[DYNAMIC_DIR_FACT];
  return dir ? join(dir, `isoproof-${scenario}.yaml`) : undefined;
}

async function writeIngressConfig(facts: Record<string, string>, scenario: string, caPem: string, state: TlsScenarioState): Promise<void> {
  const file = ingressConfigFile(facts, scenario);
  if (!file) return;
  try {
    await writeFile(`${file}.tmp`, traefikMtlsConfig(caPem));
    await rename(`${file}.tmp`, file);
    state.ingressConfigFile = file;
  } catch (err) {
    await rm(`${file}.tmp`, { force: true }).catch(() => undefined);
    throw new IsoproofError(
      'ISOPROOF_TLS_PREPARE',
      `cannot write the ingress TLS option to ${file} (facts.${DYNAMIC_DIR_FACT}): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * Removes what prepare wrote outside the cluster (the ingress TLS option file). Call it after the
 * scenario's objects are gone (an Ingress still naming the option would make the controller log
 * "unknown TLS options"). Idempotent.
 */
export async function cleanupTls(state: TlsScenarioState): Promise<void> {
  const file = state.ingressConfigFile;
  if (!file) return;
  await rm(file, { force: true });
  delete state.ingressConfigFile;
}

export interface PrepareOptions {
  redactor: Redactor;
  scenario: string;
  /** Bound of the wait until the ingress serves the new certificates (default 45 s). */
  waitMs?: number;
}

/**
 * prepare(ctx): creates the scenario's test CA (once per process) and client certificate, issues one
 * certificate per Ingress tls secret according to the Ingress's isoproof.dev/test-certificate
 * annotation, applies the kubernetes.io/tls Secrets and the client CA Secret (run-labelled, key
 * material registered with the redactor), writes Traefik's mTLS option when facts.ingressDynamicDir
 * is set, and waits until the ingress serves the new certificates.
 */
export async function prepareTls(ctx: ProbeContext, state: TlsScenarioState, o: PrepareOptions): Promise<void> {
  const kube = loadKube(ctx.kubeconfigPath, ctx.context);
  state.ca ??= await TestCa.create({ commonName: `isoproof ${o.scenario} test CA`, redactor: o.redactor });
  const ca = state.ca;
  state.client ??= await ca.issueClient(`${o.scenario} client`);
  const client = state.client;

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
  await writeIngressConfig(ctx.facts, o.scenario, ca.certPem, state);
  await applyObjects(kube, objects, { runId: ctx.run.id, scenario: o.scenario, fieldManager: 'isoproof' });
  ctx.log(`prepare: ${issued.map(({ plan }) => `${plan.namespace}/${plan.secretName}=${plan.profile}`).join(', ')}`);

  await waitServed(ctx, issued, client, o.waitMs ?? 45_000);
}
