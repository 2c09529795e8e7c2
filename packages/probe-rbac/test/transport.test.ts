import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttempt } from '../src/attempt';
import { planAttempt } from '../src/plan';
import { perform } from '../src/transport';

// Generated per run: no secret-shaped literal in the repository (the secret scan would flag it).
const PLANTED = randomBytes(12).toString('base64');

/** A real loopback HTTP server standing in for the API server's answers (not a mock of our code). */
let server: http.Server;
let kube: { kc: KubeConfig; kubeconfigPath: string };
const sockets = new Set<import('node:net').Socket>();
const seen: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (req.url?.startsWith('/apis/authorization.k8s.io')) {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'SelfSubjectAccessReview', status: { allowed: true, reason: 'RBAC: allowed by test' } }));
      return;
    }
    if (req.url?.startsWith('/apis/authentication.k8s.io/v1/selfsubjectreviews')) {
      // the impersonation filter: the user is checked before groups/uids/extras
      const user = String(req.headers['impersonate-user'] ?? '');
      const group = req.headers['impersonate-group'];
      const refuse = (resource: string, name: string) => {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', reason: 'Forbidden', code: 403, message: `${resource} "${name}" is forbidden: User "system:serviceaccount:ns:imp" cannot impersonate resource "${resource}" in API group "" at the cluster scope` }));
      };
      if (user !== 'alice-ok') return refuse('users', user);
      if (group === 'tenant-b-admins') return refuse('groups', String(group));
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'SelfSubjectReview', status: { userInfo: { username: user } } }));
      return;
    }
    if (req.url?.includes('/watch-secrets')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const ev = (type: string, name: string) => JSON.stringify({ type, object: { kind: 'Secret', apiVersion: 'v1', metadata: { name, namespace: 'ns' }, data: { password: PLANTED } } });
      res.end(`${ev('ADDED', 'db-creds')}\n${ev('ADDED', 'api-key')}\n`);
      return;
    }
    if (req.url?.includes('/pods/denied/exec')) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'pods "denied" is forbidden: User "u" cannot create resource "pods/exec" in API group "" in the namespace "ns"' }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'secrets "x" not found' }));
  });
  server.on('upgrade', (req, socket) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const spdyOnlyRefused = req.url?.includes('/pods/spdyonly/') && req.headers.upgrade === 'websocket';
    if (req.url?.includes('/pods/denied/') || spdyOnlyRefused) {
      const body = JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'pods "denied" is forbidden: User "u" cannot create resource "pods/exec" in API group "" in the namespace "ns"' });
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n');
    socket.on('error', () => undefined);
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'test-token-not-secret' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  kube = { kc, kubeconfigPath: '/dev/null' };
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const pc = { runId: 'rabcdefghij', identity: { kind: 'User' as const, name: 'u' } };

describe('runAttempt over a real socket', () => {
  it('a 101 upgrade is allowed and the socket is closed at once', async () => {
    const r = await runAttempt(kube, planAttempt({ verb: 'exec', resource: 'pods', namespace: 'ns', name: 'ok' }, pc), 'u');
    expect(r.observation.outcome).toBe('allowed');
    expect(r.observation.result).toBe('101 Switching Protocols');
    const up = seen.find((s) => s.url.includes('/pods/ok/exec') && s.headers.upgrade === 'websocket')!;
    expect(up.url).toContain('command=true');
    const spdy = seen.find((s) => s.url.includes('/pods/ok/exec') && s.headers.upgrade === 'SPDY/3.1')!;
    expect(spdy.headers['x-stream-protocol-version']).toContain('v4.channel.k8s.io');
    expect(spdy.url).toContain('command=true');
    expect(r.disagreement).toBe(false);
  });

  it('a 403 on the upgrade is denied, and SSAR saying allowed is a reported disagreement', async () => {
    const r = await runAttempt(kube, planAttempt({ verb: 'exec', resource: 'pods', namespace: 'ns', name: 'denied' }, pc), 'u');
    expect(r.observation.outcome).toBe('denied');
    expect(r.observation.evidence.received).toMatch(/^403 Forbidden: pods "denied" is forbidden/);
    expect(r.disagreement).toBe(true);
    expect(r.observation.evidence.notes?.join('\n')).toMatch(/DISAGREEMENT: SelfSubjectAccessReview said allowed; the real attempt was denied/);
  });

  it('exec refused over WebSocket but accepted over SPDY (a create-only Role) is allowed', async () => {
    const r = await runAttempt(kube, planAttempt({ verb: 'exec', resource: 'pods', namespace: 'ns', name: 'spdyonly' }, pc), 'u');
    expect(r.observation.outcome).toBe('allowed');
    expect(r.observation.evidence.received).toMatch(/^101 Switching Protocols \(SPDY upgrade; the WebSocket form answered 403 Forbidden\)/);
    expect(r.observation.evidence.sent).toMatch(/\(WebSocket upgrade\) ; and POST .* \(SPDY upgrade\)/);
  });

  it('a 404 for a named object means authorized', async () => {
    const r = await runAttempt(kube, planAttempt({ verb: 'delete', resource: 'secrets', namespace: 'ns', name: 'x' }, pc), 'u');
    expect(r.observation.outcome).toBe('allowed');
    expect(r.observation.evidence.sent).toMatch(/DELETE \/api\/v1\/namespaces\/ns\/secrets\/x\?dryRun=All as u \(server-side dry-run\)/);
  });

  it('impersonate sends the extra header with the identity credentials', async () => {
    await runAttempt(kube, planAttempt({ verb: 'impersonate', resource: 'users', name: 'system:admin' }, pc), 'u');
    const req = seen.find((s) => s.url.startsWith('/apis/authentication.k8s.io'))!;
    expect(req.headers['impersonate-user']).toBe('system:admin');
    expect(req.headers.authorization).toBe('Bearer test-token-not-secret');
  });

  it('an unreachable server is an error observation, never a throw', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'http://127.0.0.1:9', skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    const r = await runAttempt({ kc, kubeconfigPath: '/dev/null' }, planAttempt({ verb: 'get', resource: 'secrets', namespace: 'ns', name: 'x' }, pc), 'u');
    expect(r.observation.outcome).toBe('error');
    expect(r.ssar.verdict).toBe('unknown');
  });

  it('a transport failure on the upgrade path throws with the stable code ISOPROOF_TRANSPORT', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'http://127.0.0.1:9', skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    const plan = planAttempt({ verb: 'exec', resource: 'pods', namespace: 'ns', name: 'ok' }, pc);
    await expect(perform({ kc, kubeconfigPath: '/dev/null' }, plan, 2_000)).rejects.toMatchObject({ code: 'ISOPROOF_TRANSPORT', name: 'ProbeTransportError' });
  });
});

describe('impersonation of groups is asked with a user the identity may impersonate (issue 13)', () => {
  const sa = { runId: 'rabcdefghij', identity: { kind: 'ServiceAccount' as const, namespace: 'ns', name: 'imp' } };
  it('a refusal of the user is INCONCLUSIVE (the group was never asked), never denied', async () => {
    const r = await runAttempt(kube, planAttempt({ verb: 'impersonate', resource: 'groups', name: 'system:viewers' }, sa), 'imp');
    expect(r.observation.outcome).toBe('error');
    expect(r.observation.error).toMatch(/never asked/);
  });
  it('a refusal naming the group is a denial', async () => {
    const r = await runAttempt(kube, planAttempt({ verb: 'impersonate', resource: 'groups', name: 'tenant-b-admins', asUser: 'alice-ok' }, sa), 'imp');
    expect(r.observation.outcome).toBe('denied');
  });
  it('an accepted group is allowed', async () => {
    const r = await runAttempt(kube, planAttempt({ verb: 'impersonate', resource: 'groups', name: 'system:viewers', asUser: 'alice-ok' }, sa), 'imp');
    expect(r.observation.outcome).toBe('allowed');
  });
});

describe('watch evidence (issue 13)', () => {
  it('keeps event types and object names, never object contents', async () => {
    const plan = { ...planAttempt({ verb: 'watch', resource: 'secrets', namespace: 'ns' }, pc), path: '/api/v1/namespaces/ns/watch-secrets' };
    const r = await runAttempt(kube, plan, 'u');
    expect(r.observation.outcome).toBe('allowed');
    const text = JSON.stringify(r.observation);
    expect(text).toContain('ADDED Secret ns/db-creds');
    expect(text).toContain('ADDED Secret ns/api-key');
    expect(text).not.toContain(PLANTED);
    expect(text).not.toContain('password');
  });
});

