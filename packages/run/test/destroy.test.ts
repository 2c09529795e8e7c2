import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScenarioDefinition } from '@isoproof/core';
import { loadKube } from '@isoproof/kube';
import { destroyScenario } from '../src/scenario';

/** A kubeconfig naming a loopback port nothing listens on: every request fails at once. */
async function deadKubeconfig(): Promise<string> {
  const port = await new Promise<number>((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });
  const file = join(mkdtempSync(join(tmpdir(), 'isoproof-destroy-')), 'kubeconfig');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: dead
  cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true }
users:
- name: u
  user: { token: not-a-secret }
contexts:
- name: dead
  context: { cluster: dead, user: u }
current-context: dead
`,
  );
  return file;
}

const def = (cleanup: () => Promise<void>): ScenarioDefinition => ({ name: 'demo', description: 'demo', dir: '/nonexistent', families: [], cleanup });

describe('destroyScenario', () => {
  it('runs the scenario cleanup even when removing its objects fails, and reports the removal error', async () => {
    const kube = loadKube(await deadKubeconfig());
    let cleaned = 0;
    const err = await destroyScenario(def(async () => void cleaned++), { kube, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(cleaned).toBe(1);
  });

  it('keeps the removal error when the cleanup fails too, logging the cleanup failure', async () => {
    const kube = loadKube(await deadKubeconfig());
    const lines: string[] = [];
    const err = await destroyScenario(
      def(async () => {
        throw new Error('file busy');
      }),
      { kube, timeoutMs: 10_000, log: (l) => lines.push(l) },
    ).catch((e: unknown) => e);
    expect((err as Error).message).not.toBe('file busy');
    expect(lines).toContain('[demo] cleanup failed too: file busy');
  });
});
