import type { Criterion } from '@isoproof/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disallowedSuites, MOZILLA_INTERMEDIATE_TLS12 } from '../src/ciphers';
import { parseHstsMaxAge } from '../src/checks';
import { hostMatches, parseSpec, selectTargets, specProblems } from '../src/spec';
import { parseAddress } from '../src/address';
import { createLimiter } from '../src/inspect';
import { ingressTargets, mergeTargets, serviceTargets, type EnumerationNote } from '../src/targets';
import { TestCa } from '../src/test-ca';
import { chainToCa, isWeakSignature, keyWeakness, sanDnsNames, signatureAlgorithm, keyFacts } from '../src/x509';
import { X509Certificate } from 'node:crypto';

function crit(spec: Record<string, unknown>): Criterion {
  return { id: 'TLS-X-01', title: 't', seed: 's', probe: 'tls', vantage: 'v', expectation: 'e', spec };
}

describe('parseAddress', () => {
  it.each([
    ['127.0.0.1:18443', 443, { host: '127.0.0.1', port: 18443 }],
    ['127.0.0.1', 443, { host: '127.0.0.1', port: 443 }],
    ['[::1]:8443', 443, { host: '::1', port: 8443 }],
    ['[::1]', 80, { host: '::1', port: 80 }],
    ['localhost:80', 443, { host: 'localhost', port: 80 }],
    ['', 443, undefined],
    ['h:0', 443, undefined],
    ['h:99999', 443, undefined],
  ])('%s -> %j', (v, d, want) => {
    expect(parseAddress(v, d)).toEqual(want);
  });
});

describe('hostMatches', () => {
  it.each([
    ['api.example.com', 'api.example.com', true],
    ['API.example.com', 'api.EXAMPLE.com', true],
    ['api.example.com', '*.example.com', true],
    ['a.b.example.com', '*.example.com', false],
    ['example.com', '*.example.com', false],
    ['api.example.com', 'www.example.com', false],
  ])('%s ~ %s = %s', (h, p, want) => {
    expect(hostMatches(h, p)).toBe(want);
  });
});

describe('parseHstsMaxAge', () => {
  it.each([
    ['max-age=31536000; includeSubDomains', 31536000],
    ['includeSubDomains; max-age="600"', 600],
    ['MAX-AGE = 15552000', 15552000],
    ['max-age=abc', undefined],
    ['includeSubDomains', undefined],
    [undefined, undefined],
    ['max-age=100, max-age=999999', 100],
  ])('%s -> %s', (h, want) => {
    expect(parseHstsMaxAge(h)).toBe(want);
  });
});

describe('spec', () => {
  it('accepts a minimal spec and applies defaults', () => {
    expect(specProblems(crit({ check: 'hsts' }))).toEqual([]);
    const s = parseSpec(crit({ check: 'hsts' }));
    expect(s).toMatchObject({ hstsMinMaxAge: 15552000, minDaysLeft: 14, timeoutMs: 3000, refuse: ['TLSv1', 'TLSv1.1'], accept: [], acceptAny: ['TLSv1.2', 'TLSv1.3'] });
    expect(s.allowedCiphers).toEqual(MOZILLA_INTERMEDIATE_TLS12);
  });
  it.each([
    [{ check: 'nope' }, 'spec.check: must be one of'],
    [{ check: 'hsts', bogus: 1 }, 'spec.bogus: unknown key'],
    [{ check: 'protocols', refuse: ['SSLv3'] }, 'spec.refuse: must be a list of'],
    [{ check: 'expiry', minDaysLeft: -1 }, 'spec.minDaysLeft: must be a number >= 0'],
    [{ check: 'san', timeoutMs: 10 }, 'spec.timeoutMs'],
    [{ check: 'mtls' }, 'spec.hosts: an mtls check must name'],
    [{ check: 'san', hosts: 'api' }, 'spec.hosts: must be a list'],
  ])('%j is rejected', (spec, msg) => {
    const p = specProblems(crit(spec));
    expect(p.join('\n')).toContain(msg);
    expect(p[0]).toMatch(/^TLS-X-01\.spec/);
  });
});

describe('targets', () => {
  const ing = {
    metadata: { name: 'ecommerce-ingress', namespace: 'shop', annotations: { a: 'b' } },
    spec: {
      tls: [{ hosts: ['api.example.com', 'www.example.com'], secretName: 'ecommerce-tls' }],
      rules: [{ host: 'api.example.com' }, { host: 'admin.example.com' }, {}],
    },
  };
  it('lists every rule and tls host, flags hosts outside spec.tls, notes catch-all rules', () => {
    const notes: EnumerationNote[] = [];
    const t = ingressTargets([ing], notes);
    expect(t.map((x) => [x.host, x.port, x.tlsDeclared, x.secretName])).toEqual([
      ['admin.example.com', 443, false, undefined],
      ['api.example.com', 443, true, 'ecommerce-tls'],
      ['www.example.com', 443, true, 'ecommerce-tls'],
    ]);
    expect(t[0]?.source).toEqual({ kind: 'Ingress', name: 'ecommerce-ingress', namespace: 'shop', apiVersion: 'networking.k8s.io/v1' });
    expect(notes).toHaveLength(1);
  });
  it('a tls entry without hosts covers every host', () => {
    const t = ingressTargets([{ metadata: { name: 'x', namespace: 'n' }, spec: { tls: [{ secretName: 's' }], rules: [{ host: 'a.test' }] } }]);
    expect(t[0]?.tlsDeclared).toBe(true);
  });
  it('an Ingress without tls gives undeclared hosts', () => {
    const t = ingressTargets([{ metadata: { name: 'x', namespace: 'n' }, spec: { rules: [{ host: 'a.test' }] } }]);
    expect(t[0]?.tlsDeclared).toBe(false);
  });
  it('public NodePort/LoadBalancer Services only', () => {
    const notes: EnumerationNote[] = [];
    const svc = (name: string, type: string, ann: Record<string, string>) => ({
      metadata: { name, namespace: 'n', annotations: ann },
      spec: { type, ports: [{ name: 'https', port: 443, nodePort: 30443 }, { name: 'metrics', port: 9090, nodePort: 30090 }] },
    });
    const t = serviceTargets(
      [
        svc('a', 'NodePort', { 'isoproof.dev/public': 'true', 'isoproof.dev/tls-port': 'https' }),
        svc('b', 'LoadBalancer', { 'isoproof.dev/public': 'true', 'isoproof.dev/tls-host': 'b.example.com' }),
        svc('c', 'ClusterIP', { 'isoproof.dev/public': 'true' }),
        svc('d', 'NodePort', {}),
      ],
      notes,
    );
    expect(t.map((x) => `${x.host}:${x.port}`)).toEqual(['a.n.svc:30443', 'b.example.com:30443', 'b.example.com:30090']);
    expect(notes.map((n) => n.note)).toEqual(['marked public but of type ClusterIP: not exposed outside the cluster']);
  });
  it('merges Ingresses of one host: declared when any declares tls', () => {
    const http = { metadata: { name: 'web-http', namespace: 'shop' }, spec: { rules: [{ host: 'api.example.com' }, { host: 'plain.example.com' }] } };
    const merged = mergeTargets(ingressTargets([http, ing]));
    const api = merged.find((t) => t.host === 'api.example.com');
    expect(api?.tlsDeclared).toBe(true);
    expect(api?.source.name).toBe('ecommerce-ingress');
    expect(api?.sources?.map((s) => s.name)).toEqual(['web-http', 'ecommerce-ingress']);
    expect(merged.find((t) => t.host === 'plain.example.com')?.tlsDeclared).toBe(false);
    expect(merged).toHaveLength(4);
  });
  it('selectTargets filters by host patterns', () => {
    const t = ingressTargets([ing]);
    expect(selectTargets(t, { hosts: ['*.example.com'] })).toHaveLength(3);
    expect(selectTargets(t, { hosts: ['admin.example.com'] }).map((x) => x.host)).toEqual(['admin.example.com']);
    expect(selectTargets(t, {})).toHaveLength(3);
  });
});

describe('ciphers', () => {
  it('flags suites outside the profile, case-insensitively', () => {
    expect(disallowedSuites(['ECDHE-RSA-AES128-GCM-SHA256', 'ecdhe-rsa-aes128-sha', 'DES-CBC3-SHA'])).toEqual(['ecdhe-rsa-aes128-sha', 'DES-CBC3-SHA']);
    expect(disallowedSuites([])).toEqual([]);
  });
});

describe('limiter', () => {
  it('never runs more than max at once', async () => {
    const l = createLimiter(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        l.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});

describe('x509 helpers', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await TestCa.create({ commonName: 'pure CA' });
  });
  afterAll(async () => ca?.[Symbol.asyncDispose]());

  it('decodes OIDs (1.2.840.113549.1.1.11 of an RSA CA\'s signature)', async () => {
    await using rsaCa = await TestCa.create({ commonName: 'rsa CA', key: { type: 'rsa', bits: 2048 } });
    expect(signatureAlgorithm(new X509Certificate((await rsaCa.issueServer('a.test')).certPem).raw)).toBe('sha256WithRSAEncryption');
  });
  it('reads the signature algorithm of certificates the CA signs', async () => {
    const [sha256, sha1] = await Promise.all([ca.issueServer('a.test'), ca.issueSha1('b.test')]);
    expect(signatureAlgorithm(new X509Certificate(sha256.certPem).raw)).toBe('ecdsa-with-SHA256');
    expect(signatureAlgorithm(new X509Certificate(sha1.certPem).raw)).toBe('ecdsa-with-SHA1');
    expect(() => signatureAlgorithm(Uint8Array.from([1, 2, 3]))).toThrow();
  });
  it.each([
    ['sha1WithRSAEncryption', true],
    ['ecdsa-with-SHA1', true],
    ['md5WithRSAEncryption', true],
    ['sha256WithRSAEncryption', false],
    ['ecdsa-with-SHA384', false],
    ['Ed25519', false],
  ])('isWeakSignature(%s) = %s', (n, want) => {
    expect(isWeakSignature(n)).toBe(want);
  });
  it.each([
    [{ type: 'rsa', bits: 2048 }, undefined],
    [{ type: 'rsa', bits: 1024 }, 'rsa 1024 bits < 2048'],
    [{ type: 'ec', curve: 'prime256v1', bits: 256 }, undefined],
    [{ type: 'ec', curve: 'secp224r1', bits: 224 }, 'EC secp224r1 224 bits < 256'],
    [{ type: 'ed25519', bits: 256 }, undefined],
    [{ type: 'dh' }, 'unsupported key type dh'],
  ])('keyWeakness(%j)', (k, want) => {
    expect(keyWeakness(k)).toBe(want);
  });
  it('chainToCa accepts the CA leaf, rejects a foreign one', async () => {
    await using other = await TestCa.create({ commonName: 'other' });
    const mine = new X509Certificate((await ca.issueServer('a.test')).certPem);
    const theirs = new X509Certificate((await other.issueServer('a.test')).certPem);
    expect(chainToCa([mine], ca.certificate)).toBeUndefined();
    expect(chainToCa([mine, ca.certificate], ca.certificate)).toBeUndefined();
    expect(chainToCa([theirs], ca.certificate)).toMatch(/not at the configured CA/);
    expect(chainToCa([], ca.certificate)).toBe('server sent no certificate');
    expect(keyFacts(mine)).toEqual({ type: 'rsa', bits: 2048 });
  });
  it('sanDnsNames', () => {
    expect(sanDnsNames('DNS:a.test, IP Address:127.0.0.1, DNS:b.test')).toEqual(['a.test', 'b.test']);
    expect(sanDnsNames(undefined)).toEqual([]);
  });
});
