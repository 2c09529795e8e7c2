import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Check, Criterion, ProbeContext } from '@isoproof/core';
import { defaultRedactor, evaluate, loadCriteria } from '@isoproof/core';
import { composeOverlay, listOverlays, readManifests, type KubeObject } from '@isoproof/kube';
import {
  CERT_PROFILES,
  createTlsProbe,
  DYNAMIC_DIR_FACT,
  ingressConfigFile,
  ingressTargets,
  issueFor,
  type IssuedCertificate,
  mergeTargets,
  MTLS_OPTION,
  planSecrets,
  ScenarioCertificates,
  signatureAlgorithm,
  TestCa,
  traefikMtlsConfig,
  WRONG_HOST,
} from '@isoproof/probe-tls';
import { scenario } from '../src/index';
import { startEmulatedIngress } from './emulated-ingress';

let criteria: Criterion[];
let base: KubeObject[];

beforeAll(async () => {
  criteria = await loadCriteria(join(scenario.dir, 'criteria.yaml'));
  base = await readManifests(join(scenario.dir, 'manifests'));
});

describe(`${scenario.name}: definition`, () => {
  it('every criterion spec is valid for the tls family', () => {
    expect(criteria.length).toBe(11);
    const family = scenario.families[0];
    for (const c of criteria) expect(family?.validateSpec?.(c), c.id).toEqual([]);
  });

  it('TLS-PROTO-01 requires nothing below 1.2 and at least one of 1.2/1.3; the README says so', async () => {
    const proto = criteria.find((c) => c.id === 'TLS-PROTO-01');
    expect(proto?.spec).toMatchObject({ check: 'protocols', refuse: ['TLSv1', 'TLSv1.1'], acceptAny: ['TLSv1.2', 'TLSv1.3'] });
    expect(proto?.spec.accept).toBeUndefined();
    const readme = await (await import('node:fs/promises')).readFile(join(scenario.dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/## Required TLS versions[\s\S]*TLS 1\.0 and TLS 1\.1 refused[\s\S]*at least one of TLS 1\.2 and TLS 1\.3 accepted/);
  });

  it('every overlay flips known criteria and composes', async () => {
    const overlays = await listOverlays(scenario.dir);
    expect(overlays.map((o) => o.name).sort()).toEqual([
      'expired-certificate',
      'mtls-optional',
      'no-hsts',
      'no-redirect',
      'no-tls',
      'sha1-signature',
      'tls10',
      'weak-cipher',
      'weak-key',
      'wrong-host-certificate',
    ]);
    const ids = new Set(criteria.map((c) => c.id));
    for (const o of overlays) {
      for (const f of o.flips) expect(ids.has(f), `${o.name} flips ${f}`).toBe(true);
      await composeOverlay(base, join(scenario.dir, 'overlays', o.name));
    }
    // every criterion but the chain one has an overlay of its own
    const flipped = new Set(overlays.flatMap((o) => o.flips));
    expect([...ids].filter((i) => !flipped.has(i))).toEqual([]);
  });

  it('baseline: three public hosts, all in spec.tls; namespaces carry the managed label', () => {
    const t = mergeTargets(ingressTargets(base.filter((o) => o.kind === 'Ingress') as never[]));
    expect(t.map((x) => [x.host, x.tlsDeclared])).toEqual([
      ['admin.example.com', true],
      ['api.example.com', true],
      ['www.example.com', true],
    ]);
    for (const ns of base.filter((o) => o.kind === 'Namespace')) expect(ns.metadata.labels?.['isoproof.dev/managed']).toBe('true');
    expect(JSON.stringify(base)).not.toMatch(/image: (?!isoproof\.local)/);
  });

  it('planSecrets reads the certificate profile from the Ingress', async () => {
    const plans = planSecrets(base.filter((o) => o.kind === 'Ingress') as never[]);
    expect(plans.map((p) => [p.secretName, p.hosts.join(','), p.profile])).toEqual([
      ['ecommerce-tls-cert', 'api.example.com,www.example.com', 'valid'],
      ['ecommerce-admin-tls', 'admin.example.com', 'valid'],
    ]);
    const expired = await composeOverlay(base, join(scenario.dir, 'overlays', 'expired-certificate'));
    expect(planSecrets(expired.objects.filter((o) => o.kind === 'Ingress') as never[]).map((p) => p.profile)).toEqual(['expired', 'valid']);
    expect(() => planSecrets([{ metadata: { name: 'x', annotations: { 'isoproof.dev/test-certificate': 'bogus' } } }])).toThrow(/not one of/);
  });

  it('issueFor gives each profile its defect, and nothing else', async () => {
    await using ca = await TestCa.create({ commonName: 'profiles CA' });
    const { X509Certificate } = await import('node:crypto');
    const plan = { namespace: 'n', secretName: 's', hosts: ['api.example.com', 'www.example.com'], ingress: 'i' };
    const get = async (profile: (typeof CERT_PROFILES)[number]) => new X509Certificate((await issueFor(ca, { ...plan, profile })).certPem);
    const [valid, expired, wrong, weak, sha1] = await Promise.all(CERT_PROFILES.map(get));
    const now = Date.now();
    expect(valid?.checkHost('www.example.com', { subject: 'never' })).toBe('www.example.com');
    expect(new Date(valid?.validTo ?? 0).getTime()).toBeGreaterThan(now + 80 * 86_400_000);
    expect(new Date(expired?.validTo ?? 0).getTime()).toBeLessThan(now);
    expect(expired?.checkHost('api.example.com', { subject: 'never' })).toBe('api.example.com');
    expect(wrong?.checkHost('api.example.com', { subject: 'never' })).toBeUndefined();
    expect(wrong?.subjectAltName).toBe(`DNS:${WRONG_HOST}`);
    expect(weak?.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
    expect(valid?.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(signatureAlgorithm((sha1 as InstanceType<typeof X509Certificate>).raw)).toMatch(/SHA1/i);
    for (const c of [valid, expired, wrong, weak, sha1]) expect(c?.verify(ca.certificate.publicKey)).toBe(true);
  });

  it('the Traefik mTLS option is YAML with the CA inline', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const doc = parse(traefikMtlsConfig(pem)) as { tls: { options: Record<string, { clientAuth: { caFiles: string[]; clientAuthType: string } }> } };
    const opt = doc.tls.options[MTLS_OPTION];
    expect(opt?.clientAuth.clientAuthType).toBe('RequireAndVerifyClientCert');
    expect(opt?.clientAuth.caFiles[0]).toBe(pem);
  });

  it('cleanup removes the option file prepare wrote, and only it (idempotent)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tls-endpoints-dyn-'));
    try {
      const file = ingressConfigFile({ [DYNAMIC_DIR_FACT]: dir }, scenario.name) as string;
      expect(file).toBe(join(dir, 'isoproof-tls-endpoints.yaml'));
      expect(ingressConfigFile({}, scenario.name)).toBeUndefined();
      await writeFile(file, 'tls: {}\n');
      await writeFile(join(dir, 'isoproof-ingress.yaml'), 'http: {}\n');
      const state = new ScenarioCertificates({ redactor: defaultRedactor, scenario: scenario.name });
      state.ingressConfigFile = file;
      await state.cleanup();
      await state.cleanup();
      expect(await readdir(dir)).toEqual(['isoproof-ingress.yaml']);
      expect(state.ingressConfigFile).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The scenario's design against an ingress stand-in (test/emulated-ingress.ts) on loopback: the
// baseline is all PASS and every overlay flips exactly its criteria. The cluster e2e proves the same
// with the real controller.
describe(`${scenario.name}: verdicts against an emulated ingress`, () => {
  let ca: TestCa;
  let defaultCa: TestCa;
  let defaultCert: IssuedCertificate;
  let client: IssuedCertificate;
  beforeAll(async () => {
    ca = await TestCa.create({ commonName: 'emulation CA' });
    defaultCa = await TestCa.create({ commonName: 'TRAEFIK DEFAULT CERT stand-in' });
    [defaultCert, client] = await Promise.all([defaultCa.issueServer('TRAEFIK DEFAULT CERT', []), ca.issueClient('emulation client')]);
  });
  afterAll(async () => {
    await ca?.[Symbol.asyncDispose]();
    await defaultCa?.[Symbol.asyncDispose]();
  });

  async function verdicts(objects: KubeObject[]): Promise<Record<string, string>> {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    const plans = planSecrets(ingresses as never[]);
    const certs = new Map<string, IssuedCertificate>();
    await Promise.all(plans.map(async (p) => certs.set(`${p.namespace}/${p.secretName}`, await issueFor(ca, p))));
    await using ing = await startEmulatedIngress(objects, certs, { defaultCert, clientCaPem: ca.certPem });
    const targets = mergeTargets(ingressTargets(ingresses as never[]));
    const checks = new Map<string, Check[]>();
    for (const h of ing.hosts) {
      const family = createTlsProbe({
        ca: () => ca.certPem,
        clientCertificate: () => ({ certPem: client.certPem, keyPem: client.keyPem }),
        targets: () => targets.filter((t) => t.host === h.host),
      });
      const ctx: ProbeContext = {
        run: { id: 'remulated01', startedAt: new Date().toISOString() },
        kubeconfigPath: '',
        scenario: scenario.name,
        provider: 'emulated',
        facts: { ingressAddress: h.https || '127.0.0.1:1', ingressHttpAddress: h.http },
        log: () => undefined,
      };
      for (const [id, list] of await family.run(criteria, ctx)) checks.set(id, [...(checks.get(id) ?? []), ...list]);
    }
    const out: Record<string, string> = {};
    for (const c of criteria) {
      const o = evaluate(c, checks.get(c.id) ?? []);
      out[c.id] = o.verdict === 'PASS' ? 'PASS' : `${o.verdict}: ${o.reason}`;
    }
    return out;
  }

  it('baseline: every criterion PASS', async () => {
    const v = await verdicts(base);
    for (const c of criteria) expect(v[c.id], c.id).toBe('PASS');
  }, 60_000);

  it('each overlay flips exactly its criteria to FAIL', async () => {
    const overlays = await listOverlays(scenario.dir);
    const wrong: string[] = [];
    for (const o of overlays) {
      const { objects } = await composeOverlay(base, join(scenario.dir, 'overlays', o.name));
      const v = await verdicts(objects);
      for (const c of criteria) {
        const want = o.flips.includes(c.id) ? 'FAIL' : 'PASS';
        const got = v[c.id] ?? 'missing';
        if (!got.startsWith(want)) wrong.push(`${o.name}: ${c.id} expected ${want}, got ${got}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 180_000);
});
