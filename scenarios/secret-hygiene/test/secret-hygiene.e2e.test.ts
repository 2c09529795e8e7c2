import { mkdtempSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newRun } from '@isoproof/core';
import { loadKube, rawRequest } from '@isoproof/kube';
import { buildReport, renderConsole, writeArtifacts } from '@isoproof/report';
import { destroyScenario, runScenario } from '@isoproof/run';
import { scenarioE2E, scenarioOf } from '@isoproof/run/testing';
import { plantedCanaries } from './canaries';

const scenario = scenarioOf(import.meta.url);

/*
 * 1. The scenario e2e: baseline all PASS, each overlay flips exactly its criteria (scenarioE2E).
 *    Its reports (JSON, JUnit, Markdown, SARIF) land in $ISOPROOF_ARTIFACTS (a temp dir if unset).
 * 2. The canary test of issue 6: the canary values the overlays planted, and the live token the
 *    token-in-logs overlay prints, appear zero times in every output: every artifact file (searched
 *    recursively), the console rendering, and the run's log lines.
 */
const kubeconfig = process.env.ISOPROOF_KUBECONFIG;
const artifacts = kubeconfig ? (process.env.ISOPROOF_ARTIFACTS ?? mkdtempSync(join(tmpdir(), 'isoproof-secret-hygiene-'))) : undefined;
if (artifacts) process.env.ISOPROOF_ARTIFACTS = artifacts;

scenarioE2E(scenario);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The tokens the debug init container printed, read as admin on the test side only. */
async function printedTokens(kube: ReturnType<typeof loadKube>): Promise<string[]> {
  const out: string[] = [];
  const pods = await rawRequest(kube, { method: 'GET', path: '/api/v1/namespaces/secret-hygiene/pods', query: { labelSelector: 'app=log-shipper' } });
  for (const pod of (pods.body as { items?: Array<{ metadata: { name: string } }> }).items ?? []) {
    const log = await rawRequest(kube, { method: 'GET', path: `/api/v1/namespaces/secret-hygiene/pods/${pod.metadata.name}/log`, query: { container: 'debug-token' } });
    if (log.status !== 200) continue;
    for (const m of log.text.matchAll(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g)) out.push(m[0]);
  }
  return out;
}

describe('secret-hygiene canaries', () => {
  it.skipIf(!kubeconfig)('no planted canary and no printed token appears in any output of the run', async () => {
    if (!kubeconfig || !artifacts) return;
    const kube = loadKube(kubeconfig, process.env.ISOPROOF_CONTEXT || undefined);
    const canaries = await plantedCanaries();
    expect(canaries.length).toBeGreaterThanOrEqual(4);

    // One more run of the overlay that exposes a real token, with every output captured.
    // scenarioE2E's destroyScenario has waited until the namespace is gone.
    const lines: string[] = [];
    const run = newRun();
    const result = await runScenario(scenario, { kube, run, provider: process.env.ISOPROOF_PROVIDER ?? 'existing', overlay: 'token-in-logs', log: (l) => lines.push(l) });
    const tokens = await printedTokens(kube);
    try {
      expect(tokens.length, 'the token-in-logs overlay printed a token').toBeGreaterThan(0);
      expect(result.outcomes.find((o) => o.criterion.id === 'SEC-TOKEN-01')?.verdict).toBe('FAIL');
      const dir = join(artifacts, 'secret-hygiene', 'canary-run');
      await mkdir(dir, { recursive: true });
      const report = buildReport({ run, provider: 'existing', scenarios: [result] });
      await writeArtifacts(report, dir, { env: {} });
      await writeFile(join(dir, 'console.txt'), renderConsole(report));
      await writeFile(join(dir, 'run.log'), lines.join('\n'));
    } finally {
      if (!process.env.ISOPROOF_E2E_KEEP) await destroyScenario(scenario, { kube });
    }

    const needles = [...canaries, ...tokens];
    const files = await filesUnder(artifacts);
    expect(files.filter((f) => f.endsWith('report.json')).length, `reports under ${artifacts}`).toBeGreaterThan(1);
    const leaks: string[] = [];
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      for (const n of needles) {
        const forms = [n, Buffer.from(n).toString('base64'), Buffer.from(n).toString('base64url')];
        if (forms.some((x) => text.includes(x))) leaks.push(`${f}: contains a planted value (${n.slice(0, 18)}…)`);
      }
    }
    expect(leaks).toEqual([]);

    // Redaction hides values, not names: the baseline found nothing, so its report carries no hash
    // and still names the objects it checked (a non-secret value registered by mistake, e.g. a
    // ConfigMap's "orders", would replace every object name containing it).
    const baselineReport = await readFile(join(artifacts, 'secret-hygiene', 'baseline', 'report.md'), 'utf8');
    expect(baselineReport.match(/hmac:[0-9a-f]{16}/g) ?? [], 'hashes in the baseline report').toEqual([]);
    for (const name of ['orders-config', 'orders-service-sa', 'orders-db-secret', 'jwt-secret']) expect(baselineReport, name).toContain(name);
  });
});
