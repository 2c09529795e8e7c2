import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { defaultRedactor } from '@isoproof/core';
import { checkReachable, clientForServiceAccount, clientImpersonating, loadKube, rawRequest, removeTempKubeconfigs } from '../src/index';
import { startFakeApiServer } from './tls-fixture';
import type { FakeApiServer } from './tls-fixture';

let api: FakeApiServer;
beforeAll(async () => {
  api = await startFakeApiServer();
});
afterAll(async () => {
  await api?.close();
});
const last = () => api.seen.at(-1)!;

describe('loadKube', () => {
  it('rejects a missing file with ISOPROOF_KUBECONFIG', () => {
    expect(() => loadKube('/nonexistent/kubeconfig')).toThrow(expect.objectContaining({ code: 'ISOPROOF_KUBECONFIG' }));
  });
  it('rejects an unknown context, listing the known ones', () => {
    expect(() => loadKube(api.kubeconfigPath, 'nope')).toThrow(/context "nope" not found in .*admin\.kubeconfig \(contexts: admin, other\)/);
  });
  it('selects the named context', () => {
    expect(loadKube(api.kubeconfigPath, 'other').context).toBe('other');
  });
});

describe('checkReachable', () => {
  it('returns the server version over verified TLS with the client certificate', async () => {
    const kube = loadKube(api.kubeconfigPath);
    expect(await checkReachable(kube)).toEqual({ serverVersion: 'v1.34.0-fake' });
    expect(last().clientCert).toBe(true);
  });

  it('names server, context, file and cause in one line when nothing listens', async () => {
    // A loopback port that was just free: bind, read the port, close.
    const port = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const text = readFileSync(api.kubeconfigPath, 'utf8').replace(api.url, `https://127.0.0.1:${port}`);
    const { writeFileSync } = await import('node:fs');
    const path = `${api.dir}/down.kubeconfig`;
    writeFileSync(path, text);
    const err = await checkReachable(loadKube(path), 3000).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ISOPROOF_UNREACHABLE_CLUSTER' });
    expect((err as Error).message).toBe(
      `cannot reach the cluster at https://127.0.0.1:${port} (context "admin" in ${path}): connect ECONNREFUSED 127.0.0.1:${port} — check the kubeconfig or start the cluster`,
    );
  });
});

describe('rawRequest', () => {
  it('returns HTTP errors as data, never throwing', async () => {
    const res = await rawRequest(loadKube(api.kubeconfigPath), { method: 'GET', path: '/api/v1/namespaces/locked/secrets', query: { limit: '1' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ reason: 'Forbidden' });
    expect(last().path).toBe('/api/v1/namespaces/locked/secrets?limit=1');
  });
});

describe('clientForServiceAccount', () => {
  it('uses only the TokenRequest bearer token, from a 0600 file, and registers it for redaction', async () => {
    const admin = loadKube(api.kubeconfigPath);
    const before = readFileSync(api.kubeconfigPath, 'utf8');
    const sa = await clientForServiceAccount(admin, 'tenant-a', 'app');
    const token = 'tok-tenant-a-app-s3cr3t';
    const tr = api.seen.find((s) => s.path.includes('/serviceaccounts/app/token'))!;
    expect(JSON.parse(tr.body)).toMatchObject({ spec: { expirationSeconds: 600 } });

    expect(statSync(sa.kubeconfigPath).mode & 0o777).toBe(0o600);
    expect(sa.kubeconfigPath).not.toBe(api.kubeconfigPath);
    const file = readFileSync(sa.kubeconfigPath, 'utf8');
    expect(file).toContain(token);
    expect(file).not.toMatch(/client-certificate|client-key/);
    expect(readFileSync(api.kubeconfigPath, 'utf8')).toBe(before);

    // Requests through the SA client carry the token and no client certificate.
    expect((await checkReachable(sa)).serverVersion).toBe('v1.34.0-fake');
    expect(last().clientCert).toBe(false);
    expect(last().headers.authorization).toEqual([`Bearer ${token}`]);
    await sa.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' });
    expect(last().clientCert).toBe(false);
    expect(last().headers.authorization).toEqual([`Bearer ${token}`]);
    // The same file, loaded again, is a working client.
    await checkReachable(loadKube(sa.kubeconfigPath));
    expect(last().headers.authorization).toEqual([`Bearer ${token}`]);

    expect(JSON.stringify(defaultRedactor.scrub({ t: token }))).not.toContain(token);
  });
});

describe('clientImpersonating', () => {
  const who = { user: 'alice', groups: ['team-a', 'system:authenticated'] };

  it('sends one Impersonate-Group header line per group through generated clients', async () => {
    const as = clientImpersonating(loadKube(api.kubeconfigPath), who);
    await as.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' });
    expect(last().headers['impersonate-user']).toEqual(['alice']);
    expect(last().headers['impersonate-group']).toEqual(['team-a', 'system:authenticated']);
    expect(last().clientCert).toBe(true);
  });

  it('sends them through rawRequest too, and writes as/as-groups in its 0600 kubeconfig', async () => {
    const as = clientImpersonating(loadKube(api.kubeconfigPath), who);
    await rawRequest(as, { method: 'GET', path: '/version' });
    expect(last().headers['impersonate-user']).toEqual(['alice']);
    expect(last().headers['impersonate-group']).toEqual(['team-a', 'system:authenticated']);
    expect(statSync(as.kubeconfigPath).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(as.kubeconfigPath, 'utf8'));
    expect(file.users[0].user).toMatchObject({ as: 'alice', 'as-groups': ['team-a', 'system:authenticated'] });
  });

  it('leaves the admin handle without impersonation', async () => {
    const admin = loadKube(api.kubeconfigPath);
    clientImpersonating(admin, who);
    await admin.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' });
    expect(last().headers['impersonate-user']).toBeUndefined();
  });
});

describe('identity kubeconfig files', () => {
  it('live in one 0700 dir that removeTempKubeconfigs() empties, the clients working on from memory', async () => {
    const admin = loadKube(api.kubeconfigPath);
    const sa = await clientForServiceAccount(admin, 'tenant-a', 'app');
    const sa2 = await clientForServiceAccount(admin, 'tenant-a', 'app');
    const as = clientImpersonating(admin, { user: 'bob' });
    const dir = dirname(sa.kubeconfigPath);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(dirname(as.kubeconfigPath)).toBe(dir);
    expect(sa2.kubeconfigPath).not.toBe(sa.kubeconfigPath);

    expect(removeTempKubeconfigs()).toBeGreaterThanOrEqual(3);
    for (const f of [sa.kubeconfigPath, sa2.kubeconfigPath, as.kubeconfigPath, dir]) expect(existsSync(f)).toBe(false);
    expect((await checkReachable(sa)).serverVersion).toBe('v1.34.0-fake');
    expect(last().headers.authorization).toEqual(['Bearer tok-tenant-a-app-s3cr3t']);
    expect(removeTempKubeconfigs()).toBe(0);

    // A later client gets a fresh dir.
    const again = clientImpersonating(admin, { user: 'carol' });
    expect(existsSync(again.kubeconfigPath)).toBe(true);
    removeTempKubeconfigs();
  });
});
