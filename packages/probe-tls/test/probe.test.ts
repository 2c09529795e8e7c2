import type { Criterion, Outcome, ProbeContext } from '@isoproof/core';
import { evaluate } from '@isoproof/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsCheckKind } from '../src/spec';
import { handshake } from '../src/handshake';
import { createTlsProbe, type TlsProbeOptions } from '../src/probe';
import type { TlsTarget } from '../src/targets';
import { type IssuedCertificate, TestCa } from '../src/test-ca';
import { closedPort, type LocalServer, startHttpServer, startTlsServer, INTERMEDIATE_SERVER_CIPHERS } from './servers';

const HOST = 'api.example.com';
let ca: TestCa;
let otherCa: TestCa;
let good: IssuedCertificate;
let client: IssuedCertificate;
const servers: LocalServer[] = [];

beforeAll(async () => {
  ca = await TestCa.create({ commonName: 'probe-tls test CA' });
  otherCa = await TestCa.create({ commonName: 'someone else' });
  [good, client] = await Promise.all([ca.issueServer(HOST), ca.issueClient('probe client')]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await ca?.[Symbol.asyncDispose]();
  await otherCa?.[Symbol.asyncDispose]();
});

async function tlsServer(o: Partial<Parameters<typeof startTlsServer>[0]> = {}): Promise<LocalServer> {
  const s = await startTlsServer({ cert: good.certPem, key: good.keyPem, hsts: 'max-age=31536000; includeSubDomains', ...o });
  servers.push(s);
  return s;
}

/** A TLS server presenting `c` (a certificate with the defect under test). */
function serving(c: IssuedCertificate): Promise<LocalServer> {
  return tlsServer({ cert: c.certPem, key: c.keyPem });
}

async function httpServer(o?: Parameters<typeof startHttpServer>[0]): Promise<LocalServer> {
  const s = await startHttpServer(o);
  return s;
}

function target(host = HOST, tlsDeclared = true): TlsTarget {
  return {
    kind: 'ingress',
    host,
    port: 443,
    namespace: 'shop',
    source: { kind: 'Ingress', name: 'web', namespace: 'shop', apiVersion: 'networking.k8s.io/v1' },
    tlsDeclared,
    annotations: {},
  };
}

function criterion(check: TlsCheckKind, spec: Record<string, unknown> = {}): Criterion {
  return {
    id: `TLS-TEST-01`,
    title: `test ${check}`,
    seed: '001 US-INFRA-04',
    probe: 'tls',
    vantage: 'outside the cluster, through the ingress address',
    expectation: 'holds',
    spec: { check, ...spec },
  };
}

interface ProbeArgs {
  https?: LocalServer | { hostPort: string };
  http?: LocalServer | { hostPort: string };
  targets?: TlsTarget[];
  spec?: Record<string, unknown>;
  opts?: TlsProbeOptions;
}

async function probe(check: TlsCheckKind, a: ProbeArgs): Promise<Outcome> {
  const family = createTlsProbe({ ca: () => ca.certPem, targets: () => a.targets ?? [target()], ...a.opts });
  const c = criterion(check, a.spec);
  expect(family.validateSpec(c)).toEqual([]);
  const facts: Record<string, string> = {};
  if (a.https) facts.ingressAddress = a.https.hostPort;
  if (a.http) facts.ingressHttpAddress = a.http.hostPort;
  const ctx: ProbeContext = {
    run: { id: 'rtest000001', startedAt: new Date().toISOString() },
    kubeconfigPath: '/nonexistent',
    scenario: 'tls-test',
    provider: 'local',
    facts,
    log: () => undefined,
  };
  const checks = await family.run([c], ctx);
  const outcome = evaluate(c, checks.get(c.id) ?? []);
  expect(family.sections()[0]?.type).toBe('table');
  return outcome;
}

describe('tls-configured', () => {
  it('PASS when the host is in spec.tls and the handshake succeeds', async () => {
    const o = await probe('tls-configured', { https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL for a host without spec.tls', async () => {
    const o = await probe('tls-configured', { https: await tlsServer(), targets: [target(HOST, false)] });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('no spec.tls');
  });
  it('FAIL when declared but the endpoint speaks no TLS', async () => {
    const plain = await httpServer({ status: 200 });
    const o = await probe('tls-configured', { https: plain });
    expect(o.verdict, o.reason).toBe('FAIL');
  });
  it('INCONCLUSIVE when the ingress address is unreachable', async () => {
    const p = await closedPort();
    const o = await probe('tls-configured', { https: { hostPort: `${p.host}:${p.port}` } });
    expect(o.verdict, o.reason).toBe('INCONCLUSIVE');
    expect(o.reason).toMatch(/unreachable/);
  });
  it('INCONCLUSIVE when the provider gives no ingress address', async () => {
    const o = await probe('tls-configured', {});
    expect(o.verdict, o.reason).toBe('INCONCLUSIVE');
    expect(o.reason).toContain('ingressAddress');
  });
});

describe('protocols', () => {
  it('PASS on a server with TLS 1.2 and 1.3 only', async () => {
    const o = await probe('protocols', { https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL on a server that still accepts TLS 1.0', async () => {
    const o = await probe('protocols', {
      https: await tlsServer({ minVersion: 'TLSv1', ciphers: `${INTERMEDIATE_SERVER_CIPHERS}:ECDHE-RSA-AES128-SHA` }),
    });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('TLSv1 accepted');
  });
  it("INCONCLUSIVE, not PASS, when this client's OpenSSL cannot offer TLS 1.0 itself", async () => {
    // SECLEVEL=2 on the client forbids TLS 1.0's MD5-SHA1 signatures: the server never got to refuse
    const r = await handshake({
      address: (await tlsServer({ minVersion: 'TLSv1', ciphers: `${INTERMEDIATE_SERVER_CIPHERS}:ECDHE-RSA-AES128-SHA` })).address,
      servername: HOST,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=2',
      timeoutMs: 3_000,
    });
    expect(r.class, r.error).toBe('unsupported');
  });
  it('names the server alert of each refused version in the evidence', async () => {
    const o = await probe('protocols', { https: await tlsServer() });
    expect(o.checks[0]?.observation.evidence.received).toMatch(/TLSv1=refused \(ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION\)/);
    expect(o.checks[0]?.observation.evidence.received).toMatch(/TLSv1\.3=ok \(TLSv1\.3 TLS_AES/);
  });
  it('FAIL on a server that refuses TLS 1.3 when the spec requires 1.3 (accept)', async () => {
    const o = await probe('protocols', { https: await tlsServer({ maxVersion: 'TLSv1.2' }), spec: { accept: ['TLSv1.3'] } });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('TLSv1.3 refused');
  });
  // The security property is "nothing below 1.2"; offering 1.2 is a compatibility choice.
  it('PASS by default on a TLS 1.3-only server (nothing below 1.2, at least one of 1.2/1.3)', async () => {
    const o = await probe('protocols', { https: await tlsServer({ minVersion: 'TLSv1.3' }) });
    expect(o.verdict, o.reason).toBe('PASS');
    expect(o.checks[0]?.observation.result).toMatch(/at least one of TLSv1.2,TLSv1.3 \(TLSv1.3\)/);
  });
  it('PASS by default on a TLS 1.2-only server', async () => {
    const o = await probe('protocols', { https: await tlsServer({ maxVersion: 'TLSv1.2' }) });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL when none of acceptAny is accepted (a TLS 1.1-only server)', async () => {
    const o = await probe('protocols', {
      https: await tlsServer({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'ECDHE-RSA-AES128-SHA' }),
      spec: { refuse: [], acceptAny: ['TLSv1.2', 'TLSv1.3'] },
    });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toMatch(/none of TLSv1.2, TLSv1.3 accepted/);
  });
});

describe('ciphers', () => {
  it('PASS on a server limited to the intermediate profile', async () => {
    const o = await probe('ciphers', { https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL on a server that also accepts a CBC-SHA1 suite', async () => {
    const o = await probe('ciphers', { https: await tlsServer({ ciphers: `${INTERMEDIATE_SERVER_CIPHERS}:ECDHE-RSA-AES128-SHA` }) });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('ECDHE-RSA-AES128-SHA');
  });
  it('FAIL on a server with only a weak static-RSA suite', async () => {
    const o = await probe('ciphers', { https: await tlsServer({ ciphers: 'AES128-SHA', maxVersion: 'TLSv1.2' }) });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('AES128-SHA');
  });
});

describe('chain', () => {
  it('PASS when the certificate chains to the configured CA', async () => {
    const o = await probe('chain', { https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL when the certificate comes from another CA', async () => {
    const foreign = await otherCa.issueServer(HOST);
    const o = await probe('chain', { https: await serving(foreign) });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('not at the configured CA');
  });
  it('PASS for an expired certificate of the CA (expiry is its own check)', async () => {
    const expired = await ca.issueExpired(HOST);
    const o = await probe('chain', { https: await serving(expired) });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('INCONCLUSIVE without a configured CA', async () => {
    const o = await probe('chain', { https: await tlsServer(), opts: { ca: () => undefined } });
    expect(o.verdict, o.reason).toBe('INCONCLUSIVE');
  });
});

describe('san', () => {
  it('PASS when a SAN matches the host', async () => {
    const o = await probe('san', { https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL for a certificate of another host', async () => {
    const wrong = await ca.issueWrongHost('other.example.com');
    const o = await probe('san', { https: await serving(wrong) });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('no SAN matches api.example.com');
  });
  it('PASS through SNI on a server with several hosts, FAIL for a host it has no certificate for', async () => {
    const www = await ca.issueServer('www.example.com');
    const s = await tlsServer({ sni: { 'www.example.com': { cert: www.certPem, key: www.keyPem } } });
    const ok = await probe('san', { https: s, targets: [target('www.example.com'), target(HOST)] });
    expect(ok.verdict, ok.reason).toBe('PASS');
    const bad = await probe('san', { https: s, targets: [target('shop.example.com')] });
    expect(bad.verdict, bad.reason).toBe('FAIL');
  });
});

describe('expiry', () => {
  it('PASS for a certificate valid 90 days', async () => {
    const o = await probe('expiry', { https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL for an expired certificate', async () => {
    const expired = await ca.issueExpired(HOST);
    const o = await probe('expiry', { https: await serving(expired) });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('expired');
  });
  it('FAIL for a certificate expiring within the threshold (5 days < 14)', async () => {
    const soon = await ca.issueExpiringIn(HOST, 5);
    const s = await serving(soon);
    const o = await probe('expiry', { https: s });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toMatch(/expires in 4\.\d|expires in 5\.0/);
    const relaxed = await probe('expiry', { https: s, spec: { minDaysLeft: 3 } });
    expect(relaxed.verdict, relaxed.reason).toBe('PASS');
  });
});

describe('key', () => {
  it('PASS for RSA 2048 and EC P-256', async () => {
    expect((await probe('key', { https: await tlsServer() })).verdict).toBe('PASS');
    const ec = await ca.issueServer(HOST, [], { key: { type: 'ec', curve: 'P-256' } });
    const o = await probe('key', { https: await serving(ec) });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL for RSA 1024', async () => {
    const weak = await ca.issueRsa1024(HOST);
    const o = await probe('key', { https: await serving(weak) });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('rsa 1024 bits < 2048');
  });
});

describe('signature', () => {
  it('PASS for SHA-256', async () => {
    const o = await probe('signature', { https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('PASS');
    expect(o.checks[0]?.observation.result).toMatch(/SHA256/i);
  });
  it('FAIL for a SHA-1 signed certificate', async () => {
    const sha1 = await ca.issueSha1(HOST);
    const o = await probe('signature', { https: await serving(sha1) });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toMatch(/sha1|SHA1/);
  });
});

describe('redirect', () => {
  it('PASS on a 308 to https://host/', async () => {
    const http = await httpServer();
    const o = await probe('redirect', { http, https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL when plain HTTP is served (200)', async () => {
    const http = await httpServer({ status: 200 });
    const o = await probe('redirect', { http, https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('no redirect');
  });
  it('FAIL when the redirect stays on http', async () => {
    const http = await httpServer({ status: 301, location: `http://${HOST}/login` });
    const o = await probe('redirect', { http, https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('FAIL');
  });
  it('INCONCLUSIVE without an HTTP ingress address', async () => {
    const o = await probe('redirect', { https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('INCONCLUSIVE');
  });
});

describe('hsts', () => {
  it('PASS with max-age=31536000', async () => {
    const o = await probe('hsts', { https: await tlsServer() });
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL without the header', async () => {
    const o = await probe('hsts', { https: await tlsServer({ hsts: undefined }) });
    expect(o.verdict, o.reason).toBe('FAIL');
  });
  it('FAIL with a max-age below the minimum', async () => {
    const o = await probe('hsts', { https: await tlsServer({ hsts: 'max-age=300' }) });
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toContain('max-age 300 < 15552000');
  });
});

describe('mtls', () => {
  const clientCert = () => ({ certPem: client.certPem, keyPem: client.keyPem });
  /** The mtls check of HOST on `https`, with the probe's client certificate. */
  const mtls = async (https: LocalServer) => probe('mtls', { https, spec: { hosts: [HOST] }, opts: { clientCertificate: clientCert } });
  it('PASS when no client certificate is refused and a valid one succeeds (TLS 1.3)', async () => {
    const o = await mtls(await tlsServer({ clientCa: ca.certPem }));
    expect(o.verdict, o.reason).toBe('PASS');
    // the evidence names the server's TLS alert, not undici's "socket closed"
    expect(o.checks[0]?.observation.result).toContain('CERTIFICATE_REQUIRED');
  });
  it('PASS on a TLS 1.2 server too (refusal inside the handshake)', async () => {
    const o = await mtls(await tlsServer({ clientCa: ca.certPem, maxVersion: 'TLSv1.2' }));
    expect(o.verdict, o.reason).toBe('PASS');
  });
  it('FAIL when the server does not require a client certificate', async () => {
    const o = await mtls(await tlsServer());
    expect(o.verdict, o.reason).toBe('FAIL');
  });
  it('PASS when the refusal is an HTTP 400 after the handshake (ingress-nginx style)', async () => {
    const o = await mtls(await tlsServer({ clientCa: ca.certPem, clientCertHttpStatus: 400 }));
    expect(o.verdict, o.reason).toBe('PASS');
    expect(o.checks[0]?.observation.result).toBe('HTTP 400 without a client certificate (HTTP 200 with one)');
  });
  it('FAIL when the backend answers 403 to everyone (no difference made by the certificate)', async () => {
    const o = await mtls(await tlsServer({ status: 403 }));
    expect(o.verdict, o.reason).toBe('FAIL');
  });
  it('INCONCLUSIVE when even the valid certificate is refused (no control)', async () => {
    const o = await mtls(await tlsServer({ clientCa: otherCa.certPem }));
    expect(o.verdict, o.reason).toBe('INCONCLUSIVE');
    expect(o.reason).toContain('control failed');
  });
});

describe('report section', () => {
  it('one compact row per host: protocols, cipher verdict, certificate facts, redirect, HSTS', async () => {
    const https = await tlsServer();
    const http = await httpServer();
    const family = createTlsProbe({ ca: () => ca.certPem, targets: () => [target(), target('plain.example.com', false)] });
    const criteria = (['protocols', 'ciphers', 'expiry', 'redirect', 'hsts', 'tls-configured'] as TlsCheckKind[]).map((check, i) => ({
      ...criterion(check),
      id: `TLS-TEST-0${i + 1}`,
    }));
    await family.run(criteria, {
      run: { id: 'rtest000002', startedAt: new Date().toISOString() },
      kubeconfigPath: '',
      scenario: 'tls-test',
      provider: 'local',
      facts: { ingressAddress: https.hostPort, ingressHttpAddress: http.hostPort },
      log: () => undefined,
    });
    const [section] = family.sections();
    if (section?.type !== 'table') throw new Error('no table');
    expect(section.columns).toEqual(['host', 'source', 'tls', 'protocols', 'ciphers', 'certificate', 'redirect', 'HSTS', 'mTLS']);
    const [api, plain] = section.rows;
    expect(api?.[0]).toBe('api.example.com:443');
    expect(api?.[2]).toBe('TLSv1.3');
    expect(api?.[3]).toBe('ok 1.2,1.3; no 1.0,1.1');
    expect(api?.[4]).toMatch(/^intermediate \(\d+\)$/);
    expect(api?.[5]).toMatch(/^CN=api\.example\.com; SAN=api\.example\.com; notAfter=\d{4}-\d\d-\d\d \(8\dd\); RSA 2048; ecdsa-with-SHA256$/);
    expect(api?.[6]).toBe('308 https://api.example.com/');
    expect(api?.[7]).toBe('max-age=31536000');
    expect(plain?.[2]).toBe('NO spec.tls');
    expect(section.note).toMatch(/^1 hosts probed in \d+ ms$/);
  });
});
