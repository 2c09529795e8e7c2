import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKube, waitForReady } from '../src/index';
import { startFakeApiServer } from './tls-fixture';
import type { FakeApiServer } from './tls-fixture';

let api: FakeApiServer;
beforeAll(async () => {
  api = await startFakeApiServer();
});
afterAll(async () => {
  await api?.close();
});

describe('waitForReady against a real (stand-in) API server', () => {
  it('returns once every object exists', async () => {
    await waitForReady(loadKube(api.kubeconfigPath), [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'ok' }], { timeoutMs: 5_000 });
    expect(api.seen.some((s) => s.path.startsWith('/api/v1/namespaces/default/configmaps/ok'))).toBe(true);
  });

  it('bounds each read: a server that never answers fails the wait after requestTimeoutMs', async () => {
    const t0 = Date.now();
    const err = await waitForReady(loadKube(api.kubeconfigPath), [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'hang', name: 'x' }], {
      timeoutMs: 60_000,
      requestTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err).toMatchObject({ code: 'ISOPROOF_KUBE_API' });
    expect((err as Error).message).toMatch(/^read ConfigMap hang\/x on .* failed: /);
  });

  it('stops at once (request in flight included) when its signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('interrupted')), 200);
    const t0 = Date.now();
    const err = await waitForReady(loadKube(api.kubeconfigPath), [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'hang', name: 'y' }], {
      timeoutMs: 60_000,
      signal: ac.signal,
    }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(err).toMatchObject({ code: 'ISOPROOF_WAIT_TIMEOUT', message: 'wait for readiness stopped: interrupted' });
  });
});
