import type { Criterion, ProbeContext } from '@isoproof/core';
import { evaluate } from '@isoproof/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttemptClass, handshake } from '../src/handshake';
import { httpGet } from '../src/http-get';
import { createTlsProbe } from '../src/probe';
import { type IssuedCertificate, TestCa } from '../src/test-ca';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { startHostile } from './hostile';
import { closedPort, type LocalServer, startHttpServer, startTlsServer } from './servers';

// Every attempt must end by its deadline, whatever the listener does, and each kind of ending maps
// to its own class: a timeout is never a refusal, a refusal is never an unreachable port.
const HOST = 'slow.example.com';
const T = 400;
let ca: TestCa;
let cert: IssuedCertificate;
const servers: LocalServer[] = [];
const at: Record<string, { host: string; port: number }> = {};

beforeAll(async () => {
  ca = await TestCa.create({ commonName: 'deadline test CA' });
  cert = await ca.issueServer(HOST);
  const tls = await startTlsServer({ cert: cert.certPem, key: cert.keyPem, hsts: 'max-age=31536000' });
  servers.push(tls);
  const made = {
    good: tls,
    tarpit: await startHostile('tarpit'),
    reset: await startHostile('reset'),
    // answers, but only after twice the deadline: a slow ingress, not a refusal
    slow: await startHostile('slow', { forwardTo: tls.address, delayMs: 2 * T }),
    // answers within the deadline
    lagging: await startHostile('slow', { forwardTo: tls.address, delayMs: T / 4 }),
    plaintext: await startHttpServer({ status: 200 }),
  };
  // completes the TLS handshake, then never answers the HTTP request
  const mute = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, (sock) => sock.on('data', () => undefined));
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
  const muteClose = () => new Promise<void>((r) => mute.close(() => r()));
  servers.push({ address: { host: '127.0.0.1', port: (mute.address() as AddressInfo).port }, hostPort: '', close: muteClose, [Symbol.asyncDispose]: muteClose });
  at.mute = { host: '127.0.0.1', port: (mute.address() as AddressInfo).port };
  for (const [k, s] of Object.entries(made)) {
    at[k] = s.address;
    if (s !== tls) servers.push(s);
  }
  at.closed = await closedPort();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await ca?.[Symbol.asyncDispose]();
});

const TABLE: [string, AttemptClass][] = [
  ['good', 'ok'],
  ['lagging', 'ok'],
  ['tarpit', 'timeout'],
  ['slow', 'timeout'],
  ['reset', 'refused'],
  ['plaintext', 'refused'],
  ['closed', 'unreachable'],
];

describe('handshake deadline and classes', () => {
  it.each(TABLE)('%s -> %s, within the deadline', async (name, cls) => {
    const started = Date.now();
    const r = await handshake({ address: at[name] as { host: string; port: number }, servername: HOST, timeoutMs: T });
    expect(r.class, r.error).toBe(cls);
    expect(Date.now() - started).toBeLessThan(T + 250);
  });
});

describe('HTTPS GET deadline and classes (the TLS handshake inside undici is bounded too)', () => {
  it.each(TABLE)('%s -> %s, within the deadline', async (name, cls) => {
    const started = Date.now();
    const r = await httpGet({ scheme: 'https', host: HOST, address: at[name] as { host: string; port: number }, timeoutMs: T });
    expect(r.class, r.error).toBe(cls);
    expect(Date.now() - started).toBeLessThan(T + 250);
  }, 5_000);
});

describe('HTTPS GET on a server that completes the handshake and never answers', () => {
  it('is a timeout ("no HTTP answer"), within the deadline, never refused', async () => {
    const started = Date.now();
    const r = await httpGet({ scheme: 'https', host: HOST, address: at.mute as { host: string; port: number }, timeoutMs: T });
    expect(r.class, r.error).toBe('timeout');
    expect(r.error).toMatch(/no HTTP answer/);
    expect(Date.now() - started).toBeLessThan(T + 250);
  });
});

describe('HTTP GET deadline and classes', () => {
  it.each([
    ['plaintext', 'ok'],
    ['tarpit', 'timeout'],
    ['closed', 'unreachable'],
    ['reset', 'refused'],
  ] as [string, AttemptClass][])('%s -> %s, within the deadline', async (name, cls) => {
    const started = Date.now();
    const r = await httpGet({ scheme: 'http', host: HOST, address: at[name] as { host: string; port: number }, timeoutMs: T });
    expect(r.class, r.error).toBe(cls);
    expect(Date.now() - started).toBeLessThan(T + 250);
  }, 5_000);
});

function criterion(check: string): Criterion {
  return { id: 'TLS-DL-01', title: check, seed: '001 US-INFRA-04', probe: 'tls', vantage: 'outside', expectation: 'holds', spec: { check, timeoutMs: T } };
}

async function verdict(check: string, server: string) {
  const family = createTlsProbe({
    ca: () => ca.certPem,
    targets: () => [{ kind: 'ingress', host: HOST, port: 443, namespace: 'ns', source: { kind: 'Ingress', name: 'web', namespace: 'ns', apiVersion: 'networking.k8s.io/v1' }, tlsDeclared: true, annotations: {} }],
  });
  const c = criterion(check);
  const a = at[server] as { host: string; port: number };
  const ctx: ProbeContext = {
    run: { id: 'rdeadline01', startedAt: new Date().toISOString() },
    kubeconfigPath: '/nonexistent',
    scenario: 'tls-test',
    provider: 'local',
    facts: { ingressAddress: `${a.host}:${a.port}` },
    log: () => undefined,
  } as ProbeContext;
  const started = Date.now();
  const checks = (await family.run([c], ctx)).get(c.id) ?? [];
  return { outcome: evaluate(c, checks), ms: Date.now() - started };
}

describe('verdicts on hostile listeners', () => {
  it('a handshake timeout is INCONCLUSIVE for tls-configured, never "handshake refused"', async () => {
    const { outcome } = await verdict('tls-configured', 'slow');
    expect(outcome.verdict).toBe('INCONCLUSIVE');
    expect(outcome.reason).not.toMatch(/refused/);
  });
  it('a reset handshake FAILs tls-configured (the host declares TLS and refuses it)', async () => {
    const { outcome } = await verdict('tls-configured', 'reset');
    expect(outcome.verdict).toBe('FAIL');
  });
  it.each(['hsts', 'mtls', 'protocols'])('%s on a tarpit ends INCONCLUSIVE within a few deadlines', async (check) => {
    const { outcome, ms } = await verdict(check, 'tarpit');
    expect(outcome.verdict).toBe('INCONCLUSIVE');
    expect(ms).toBeLessThan(4 * T + 500);
  }, 10_000);
});
