import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Criterion, Outcome, ProbeContext } from '@isoproof/core';
import { evaluate } from '@isoproof/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsCheckKind } from '../src/spec';
import { ENDPOINTS_FACT, endpointTargets, parseEndpoints } from '../src/endpoints';
import { createTlsProbe } from '../src/probe';
import { type IssuedCertificate, TestCa } from '../src/test-ca';
import { type LocalServer, startHttpServer, startTlsServer } from './servers';

const HOST = 'shop.example.com';
let companyCa: TestCa;
let scenarioCa: TestCa;
let cert: IssuedCertificate;
let caFile: string;
let bundleFile: string;
const servers: LocalServer[] = [];

beforeAll(async () => {
  companyCa = await TestCa.create({ commonName: 'company CA' });
  scenarioCa = await TestCa.create({ commonName: 'scenario test CA' });
  cert = await companyCa.issueServer(HOST);
  const dir = mkdtempSync(join(tmpdir(), 'isoproof-endpoints-'));
  caFile = join(dir, 'company-ca.pem');
  writeFileSync(caFile, companyCa.certPem);
  bundleFile = join(dir, 'bundle.pem');
  writeFileSync(bundleFile, `${scenarioCa.certPem}\n${companyCa.certPem}`);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await companyCa?.[Symbol.asyncDispose]();
  await scenarioCa?.[Symbol.asyncDispose]();
});

const criterion = (check: TlsCheckKind): Criterion => ({ id: 'TLS-REAL-01', title: check, seed: 's', probe: 'tls', vantage: 'v', expectation: 'e', spec: { check } });

/** Runs one criterion of a scenario whose only targets are the configured endpoints. The family's
 * own CA (a scenario's test CA) is set, and must not apply to them. */
async function probe(check: TlsCheckKind, endpoints: unknown[], scenario = 'my-tls'): Promise<Outcome> {
  const family = createTlsProbe({ ca: () => scenarioCa.certPem, targets: () => [] });
  const c = criterion(check);
  const ctx: ProbeContext = {
    run: { id: 'rtest000001', startedAt: new Date().toISOString() },
    kubeconfigPath: '/nonexistent',
    scenario,
    provider: 'existing',
    facts: { [ENDPOINTS_FACT]: JSON.stringify(endpoints) },
    log: () => undefined,
  };
  return evaluate(c, (await family.run([c], ctx)).get(c.id) ?? []);
}

describe('TLS endpoints from the config file', () => {
  it('parses and keeps the endpoints of the scenario only', () => {
    const list = parseEndpoints(JSON.stringify([{ host: 'a.example.com', scenarios: ['x'] }, { host: 'b.example.com', address: '10.0.0.5:8443', scenarios: ['y'] }]));
    expect(endpointTargets(list, 'y').map((t) => [t.kind, t.host, t.port, t.address])).toEqual([['endpoint', 'b.example.com', 8443, { host: '10.0.0.5', port: 8443 }]]);
    expect(endpointTargets(list, 'x')[0]?.address).toEqual({ host: 'a.example.com', port: 443 });
    expect(() => parseEndpoints('[{"scenarios":[]}]')).toThrow(/\[0\]\.host: required/);
    expect(() => parseEndpoints('{}')).toThrow(/must be a JSON list/);
  });

  it("chain: PASS against the endpoint's own CA file, where the scenario's CA would fail", async () => {
    const s = await startTlsServer({ cert: cert.certPem, key: cert.keyPem });
    servers.push(s);
    const o = await probe('chain', [{ host: HOST, address: s.hostPort, caFile, scenarios: ['my-tls'] }]);
    expect(o.verdict, o.reason).toBe('PASS');
    expect(o.checks[0]?.id).toBe(`${HOST}:${s.hostPort.split(':')[1]} chain`);
    const b = await probe('chain', [{ host: HOST, address: s.hostPort, caFile: bundleFile, scenarios: ['my-tls'] }]);
    expect(b.verdict, b.reason).toBe('PASS');
  });

  it('chain: without a CA file the default trust store judges: a private CA is FAIL', async () => {
    const s = await startTlsServer({ cert: cert.certPem, key: cert.keyPem });
    servers.push(s);
    const o = await probe('chain', [{ host: HOST, address: s.hostPort, scenarios: ['my-tls'] }]);
    expect(o.verdict, o.reason).toBe('FAIL');
    expect(o.reason).toMatch(/not trusted by the default trust store/);
  });

  it('san and expiry on the real certificate; an unreadable CA file is INCONCLUSIVE for chain', async () => {
    const s = await startTlsServer({ cert: cert.certPem, key: cert.keyPem });
    servers.push(s);
    expect((await probe('san', [{ host: HOST, address: s.hostPort, scenarios: ['my-tls'] }])).verdict).toBe('PASS');
    expect((await probe('san', [{ host: 'other.example.com', address: s.hostPort, scenarios: ['my-tls'] }])).verdict).toBe('FAIL');
    expect((await probe('expiry', [{ host: HOST, address: s.hostPort, scenarios: ['my-tls'] }])).verdict).toBe('PASS');
    const o = await probe('chain', [{ host: HOST, address: s.hostPort, caFile: '/nonexistent/ca.pem', scenarios: ['my-tls'] }]);
    expect(o.verdict).toBe('INCONCLUSIVE');
    expect(o.reason).toMatch(/CA file \/nonexistent\/ca\.pem cannot be read/);
  });

  it('redirect needs the endpoint httpAddress; with it the plain-HTTP answer is judged', async () => {
    const s = await startTlsServer({ cert: cert.certPem, key: cert.keyPem });
    const h = await startHttpServer();
    servers.push(s, h);
    const none = await probe('redirect', [{ host: HOST, address: s.hostPort, scenarios: ['my-tls'] }]);
    expect(none.verdict).toBe('INCONCLUSIVE');
    expect(none.reason).toMatch(/no httpAddress configured for endpoint/);
    const ok = await probe('redirect', [{ host: HOST, address: s.hostPort, httpAddress: h.hostPort, scenarios: ['my-tls'] }]);
    expect(ok.verdict, ok.reason).toBe('PASS');
  });

  it('an endpoint configured for another scenario is not probed', async () => {
    const o = await probe('chain', [{ host: HOST, address: '127.0.0.1:9', scenarios: ['other'] }]);
    expect(o.checks).toEqual([]);
  });
});
