import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExistingProvider, selectProvider } from '../src/index';

async function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });
}

describe('ExistingProvider', () => {
  it('verifies reachability and fails with one clear line', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'isoproof-existing-'));
    const file = join(dir, 'kubeconfig');
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`,
    );
    const err = await new ExistingProvider(file, 'x').withReachTimeout(3000).up().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ISOPROOF_UNREACHABLE_CLUSTER' });
    expect((err as Error).message).toBe(
      `cannot reach the cluster at https://127.0.0.1:${port} (context "x" in ${file}): connect ECONNREFUSED 127.0.0.1:${port} — check the kubeconfig or start the cluster`,
    );
  });

  it('needs a kubeconfig', async () => {
    await expect(new ExistingProvider().up()).rejects.toMatchObject({ code: 'ISOPROOF_PROVIDER_CONFIG' });
  });
});

describe('selectProvider', () => {
  it('honours the flag and the kubeconfig without probing the host', async () => {
    expect((await selectProvider({ flag: 'local' })).name).toBe('local');
    expect((await selectProvider({ provider: 'kind' })).name).toBe('kind');
    expect((await selectProvider({ kubeconfig: '/k' })).name).toBe('existing');
  });
});
