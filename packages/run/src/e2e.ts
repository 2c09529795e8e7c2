import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioDefinition } from '@isoproof/core';
import { newRun, redactText } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { checkReachable, listOverlays, loadKube } from '@isoproof/kube';
import { buildReport, writeArtifacts } from '@isoproof/report';
import { overlayProof } from './exit-code';
import { overlayNames } from './load';
import { TOOL } from './run-all';
import { type ScenarioResult, destroyScenario, runScenario } from './scenario';
import { type Settings, mergeFacts, parseFactsJson, resolveSettings } from './settings';

/** Above the sum of a scenario run's step budgets (apply, ready, prepare, families). */
export const E2E_TEST_TIMEOUT_MS = 1_200_000;

export const E2E_SKIP_MESSAGE = 'ISOPROOF_KUBECONFIG is unset: cluster e2e skipped (point it at a kubeconfig to run)';

function summary(r: ScenarioResult): string {
  return r.outcomes.map((o) => `${o.criterion.id}=${o.verdict}${o.verdict === 'PASS' ? '' : ` (${o.reason})`}`).join('\n');
}

async function saveReport(r: ScenarioResult, runId: string, provider: string, serverVersion: string): Promise<void> {
  const base = process.env.ISOPROOF_ARTIFACTS;
  if (!base) return;
  const dir = join(base, r.scenario, r.overlay ?? 'baseline');
  await mkdir(dir, { recursive: true });
  try {
    const report = buildReport({
      run: { id: runId, startedAt: new Date(Date.now() - r.durationMs).toISOString() },
      tool: TOOL,
      provider,
      cluster: { serverVersion },
      scenarios: [r],
      finishedAt: new Date(),
    });
    await writeArtifacts(report, dir, { env: {} });
  } catch (err) {
    // The raw result still lands on disk if the report package cannot render it.
    await writeFile(join(dir, 'result.json'), JSON.stringify(r, null, 2));
    await writeFile(join(dir, 'report-error.txt'), String(err instanceof Error ? err.stack : err));
  }
}

/**
 * Facts of a kind or local cluster (audit log path, ...) from its provider, so probes see what
 * `isoproof run` would give them. Best effort: an unreachable provider leaves the facts empty.
 */
async function providerFacts(provider: string): Promise<Record<string, string>> {
  if (provider !== 'kind' && provider !== 'local') return {};
  try {
    const { selectProvider, LocalProvider, DEFAULT_KIND_CLUSTER } = await import('@isoproof/cluster');
    const p = await selectProvider({ provider });
    const name = process.env.ISOPROOF_CLUSTER_NAME;
    const handle = p instanceof LocalProvider ? await p.reuse(name) : await p.reuse(name ?? DEFAULT_KIND_CLUSTER);
    return handle.facts;
  } catch (err) {
    process.stderr.write(redactText(`isoproof e2e: no provider facts for ${provider}: ${err instanceof Error ? err.message : String(err)}\n`));
    return {};
  }
}

/**
 * Registers the cluster e2e tests of one scenario (call it from `test/<name>.e2e.test.ts`):
 * one test for the baseline (every criterion PASS) and one per overlay (exactly its `flips` FAIL,
 * everything else PASS), then removes the scenario's objects. Skips when ISOPROOF_KUBECONFIG is unset,
 * except under CI (CI=true), where that fails.
 * Env: ISOPROOF_KUBECONFIG, ISOPROOF_CONTEXT, ISOPROOF_PROVIDER (default existing; kind and local
 * add their provider facts, ISOPROOF_CLUSTER_NAME names the cluster), ISOPROOF_FACTS (JSON object of
 * extra facts, ranked as --fact), ISOPROOF_CONFIG (a config file as for --config: facts, criteria
 * parameters, timeouts), ISOPROOF_ARTIFACTS (report directory), ISOPROOF_E2E_VERBOSE, ISOPROOF_E2E_KEEP.
 * Facts are resolved as `isoproof run` does (resolveSettings, mergeFacts): flags > config > provider.
 */
export function scenarioE2E(def: ScenarioDefinition): void {
  const kubeconfig = process.env.ISOPROOF_KUBECONFIG;
  describe(`scenario ${def.name}`, () => {
    if (!kubeconfig) {
      const ci = (process.env.CI ?? '').toLowerCase();
      if (ci !== '' && ci !== 'false' && ci !== '0') {
        // under CI a skipped e2e would let the job pass without proving anything
        it(`${def.name}: CI is set but ISOPROOF_KUBECONFIG is empty`, () => {
          throw new Error(`CI=${process.env.CI} and ISOPROOF_KUBECONFIG is unset: the ${def.name} e2e cannot run; under CI that is a failure, not a skip`);
        });
        return;
      }
      it.skip(`${def.name}: ${E2E_SKIP_MESSAGE}`, () => undefined);
      return;
    }
    if (!existsSync(kubeconfig)) {
      it(`${def.name}: ISOPROOF_KUBECONFIG points at a missing file`, () => {
        throw new Error(`ISOPROOF_KUBECONFIG=${kubeconfig}: file not found`);
      });
      return;
    }
    const run = newRun();
    const provider = process.env.ISOPROOF_PROVIDER ?? 'existing';
    const facts: Record<string, string> = {};
    let settings: Settings | undefined;
    let kube: KubeHandle | undefined;
    let serverVersion = 'unknown';
    const log = (l: string) => {
      if (process.env.ISOPROOF_E2E_VERBOSE) process.stderr.write(`${redactText(l)}\n`);
    };

    beforeAll(async () => {
      kube = loadKube(kubeconfig, process.env.ISOPROOF_CONTEXT || undefined);
      serverVersion = (await checkReachable(kube, 15_000)).serverVersion;
      settings = await resolveSettings({
        noImplicitConfig: true,
        ...(process.env.ISOPROOF_CONFIG ? { configFile: process.env.ISOPROOF_CONFIG } : {}),
        ...(process.env.ISOPROOF_FACTS ? { facts: parseFactsJson(process.env.ISOPROOF_FACTS, 'ISOPROOF_FACTS') } : {}),
      });
      Object.assign(facts, mergeFacts(await providerFacts(provider), settings.facts));
    });
    afterAll(async () => {
      if (kube && !process.env.ISOPROOF_E2E_KEEP) await destroyScenario(def, { kube, log });
    });

    const runOnce = async (overlay?: string): Promise<ScenarioResult> => {
      if (!kube) throw new Error('cluster not reachable (see beforeAll)');
      const r = await runScenario(def, {
        kube,
        run,
        provider,
        facts,
        overlay,
        log,
        ...(settings ? { criteriaParams: settings.criteria, timeouts: settings.timeouts } : {}),
      });
      await saveReport(r, run.id, provider, serverVersion);
      return r;
    };

    it('baseline: every criterion PASS', async () => {
      const r = await runOnce();
      expect(r.outcomes.length).toBeGreaterThan(0);
      const notPass = r.outcomes.filter((o) => o.verdict !== 'PASS');
      expect(notPass.length, summary(r)).toBe(0);
    }, E2E_TEST_TIMEOUT_MS);

    for (const name of overlayNames(def.dir)) {
      it(`overlay ${name}: flips exactly its criteria to FAIL`, async () => {
        const overlay = (await listOverlays(def.dir)).find((x) => x.name === name);
        expect(overlay, `overlay ${name} listed`).toBeDefined();
        const r = await runOnce(name);
        const proof = overlayProof(r.outcomes, overlay?.flips ?? []);
        expect(proof.problems, summary(r)).toEqual([]);
      }, E2E_TEST_TIMEOUT_MS);
    }
  });
}
