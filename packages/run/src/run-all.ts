import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Criterion, Outcome, Run, ScenarioDefinition, Waiver } from '@isoproof/core';
import { IsoproofError, loadWaivers, newRun } from '@isoproof/core';
import type { KubeHandle, KubeObject } from '@isoproof/kube';
import { assertNoForeignObjects, checkReachable, composeOverlay, loadKube } from '@isoproof/kube';
import { selectProvider } from '@isoproof/cluster';
import type { ArtifactPaths, OverlayProof, Report } from '@isoproof/report';
import { DEFAULT_TOOL, buildReport, writeArtifacts } from '@isoproof/report';
import { EXIT_ERROR, type ExitCode, exitCodeFor, overlayProof } from './exit-code';
import { evaluate } from '@isoproof/core';
import { errorMessage, undecided } from './families';
import { assertObserveOnly, readScenarioManifests } from './data-scenario';
import { overlayNames } from './load';
import { assertRights, requiredRights } from './preflight';
import { type ScenarioResult, destroyScenario, loadScenarioCriteria, runScenario } from './scenario';
import { namespaceMap, renameNamespaces } from './namespace-prefix';
import { type CriterionParams, type FactSource, describeFacts, mergeFacts } from './settings';
import { installSignalHandlers } from './signals';
import type { Timeouts } from './timeout';

export type ProviderName = 'kind' | 'existing' | 'local';

/** How to obtain the cluster (see @isoproof/cluster selectProvider). */
export interface ProviderChoice {
  /** Explicit provider; otherwise `existing` if a kubeconfig is given, else kind if usable, else local. */
  name?: ProviderName;
  kubeconfig?: string;
  context?: string;
  clusterName?: string;
}

/** Live progress of a run; @isoproof/report's createConsoleReporter() fits it. */
export interface RunReporter {
  runStarted?(info: { runId: string; provider: string; scenarios?: number }): void;
  scenarioStarted?(scenario: string, overlay?: string): void;
  scenarioDone?(result: ScenarioResult): void;
  finish?(report: Report): void;
  close?(): void;
}

export interface RunAllOptions {
  provider: ProviderChoice;
  scenarios: ScenarioDefinition[];
  /** Run this one seeded violation (overlay name) instead of the baseline, in every selected scenario that has it. */
  overlay?: string;
  /** Run the baseline and then every overlay of each scenario, proving each flips exactly what it names. */
  overlays?: boolean;
  artifactsDir: string;
  keepCluster: boolean;
  waiversFile?: string;
  log: (line: string) => void;
  reporter?: RunReporter;
  /** Install SIGINT/SIGTERM handlers that export logs and clean up (the CLI does). */
  handleSignals?: boolean;
  timeouts?: Partial<Timeouts>;
  /** The user's facts (--fact, config file): they override the provider's (see resolveSettings). */
  facts?: Record<string, string>;
  factSources?: Record<string, FactSource>;
  /** The user's per-criterion parameters (config file). */
  criteriaParams?: CriterionParams;
  /** Prefix of every scenario namespace name (--namespace-prefix), for clusters where the names are taken. */
  namespacePrefix?: string;
}

/** What one overlay run proved (only with `overlays: true`); the report's OverlayProof. */
export type OverlayProofResult = OverlayProof;

export interface RunAllResult {
  run: Run;
  exitCode: ExitCode;
  results: ScenarioResult[];
  proofs: OverlayProofResult[];
  /** Files of the report under artifactsDir. */
  artifacts: ArtifactPaths;
  report: Report;
}

/** A scenario run: which scenario, which overlay (none = baseline). */
interface Step {
  def: ScenarioDefinition;
  overlay?: string;
  flips?: string[];
}

/**
 * Everything that can be checked without a cluster: criteria valid against the families, manifests
 * parse, overlays exist and compose. Bad input fails here, before any cluster is created.
 */
export async function planRun(o: Pick<RunAllOptions, 'scenarios' | 'overlay' | 'overlays' | 'criteriaParams' | 'namespacePrefix'>): Promise<{
  steps: Step[];
  criteria: Map<string, Criterion[]>;
  /** Kinds the steps apply (base manifests and composed overlays), one entry per apiVersion+kind. */
  kinds: Array<{ apiVersion: string; kind: string }>;
  /** Every object the steps apply (base manifests and composed overlays). */
  objects: KubeObject[];
}> {
  if (o.scenarios.length === 0) {
    throw new IsoproofError('ISOPROOF_NO_SCENARIO', 'no scenario selected; name one with --scenario NAME or use --all');
  }
  const steps: Step[] = [];
  const criteria = new Map<string, Criterion[]>();
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  const all: KubeObject[] = [];
  const note = (objects: KubeObject[]) => {
    all.push(...(o.namespacePrefix ? renameNamespaces(objects, namespaceMap(objects, o.namespacePrefix)) : objects));
    for (const x of objects) kinds.set(`${x.apiVersion} ${x.kind}`, { apiVersion: x.apiVersion, kind: x.kind });
  };
  for (const def of o.scenarios) {
    criteria.set(def.name, await loadScenarioCriteria(def, o.criteriaParams));
    const base = await readScenarioManifests(def.dir);
    assertObserveOnly(def, criteria.get(def.name) ?? [], base);
    const names = overlayNames(def.dir);
    if (o.overlay) {
      if (!names.includes(o.overlay)) {
        if (o.scenarios.length === 1) {
          throw new IsoproofError(
            'ISOPROOF_UNKNOWN_OVERLAY',
            `scenario ${def.name} has no overlay '${o.overlay}' (known: ${names.join(', ') || 'none'}); see 'isoproof list'`,
          );
        }
        continue;
      }
      const { overlay, objects } = await composeOverlay(base, join(def.dir, 'overlays', o.overlay));
      note(objects);
      steps.push({ def, overlay: o.overlay, flips: overlay.flips });
      continue;
    }
    note(base);
    steps.push({ def });
    if (o.overlays) {
      for (const name of names) {
        const { overlay, objects } = await composeOverlay(base, join(def.dir, 'overlays', name));
        note(objects);
        steps.push({ def, overlay: name, flips: overlay.flips });
      }
    }
  }
  if (steps.length === 0) {
    throw new IsoproofError('ISOPROOF_UNKNOWN_OVERLAY', `no selected scenario has an overlay '${o.overlay}'; see 'isoproof list'`);
  }
  return { steps, criteria, kinds: [...kinds.values()], objects: all };
}

/** Name and version of the tool as reports carry them (one definition: @isoproof/report's). */
export const TOOL = DEFAULT_TOOL;

/**
 * Outcomes of a scenario run that failed as a whole (apply, readiness...): every criterion is
 * undecided, INCONCLUSIVE, except that core's evaluation keeps the last word on waivers (an expired
 * waiver still makes it FAIL), as for a failed probe family.
 */
export function failedRunOutcomes(criteria: Criterion[], message: string, waivers: Waiver[]): Outcome[] {
  return criteria.map((c) => undecided(c, `scenario run failed: ${message}`, (x, checks) => evaluate(x, checks, { waivers })));
}

/** The exit code of a whole run: baseline verdicts, single-overlay verdicts, and overlay proofs. */
export function runExitCode(results: ScenarioResult[], proofs: OverlayProofResult[], proofMode: boolean): ExitCode {
  if (!proofMode) return exitCodeFor(results.flatMap((r) => r.outcomes));
  const baseline = results.filter((r) => !r.overlay).flatMap((r) => r.outcomes);
  const codes: ExitCode[] = [exitCodeFor(baseline)];
  for (const r of results.filter((x) => x.overlay)) {
    if (r.outcomes.some((x) => x.verdict === 'INCONCLUSIVE')) codes.push(EXIT_ERROR);
  }
  if (proofs.some((p) => !p.ok)) codes.push(1);
  return codes.includes(1) ? 1 : codes.includes(EXIT_ERROR) ? EXIT_ERROR : 0;
}

/**
 * One full run as the CLI does it: obtain the cluster, run the scenarios serially, write the report
 * and its renderings under `artifactsDir`, tear down (unless `keepCluster`).
 */
export async function runAll(o: RunAllOptions): Promise<RunAllResult> {
  const log = o.log;
  const { steps, criteria, kinds, objects } = await planRun(o);
  let waivers: Waiver[] = [];
  if (o.waiversFile) {
    if (!existsSync(o.waiversFile)) {
      throw new IsoproofError('ISOPROOF_INVALID_WAIVER', `${o.waiversFile}: waivers file not found; fix --waivers`);
    }
    waivers = await loadWaivers(o.waiversFile);
  }
  const artifactsDir = resolve(o.artifactsDir);
  await mkdir(artifactsDir, { recursive: true });

  const run = newRun();
  log(`run ${run.id}: ${steps.length} scenario run(s)`);

  const provider = await selectProvider({
    provider: o.provider.name,
    kubeconfig: o.provider.kubeconfig,
    context: o.provider.context,
    name: o.provider.clusterName,
    log,
  });
  const ac = new AbortController();
  let cluster: Awaited<ReturnType<typeof provider.up>> | undefined;
  let kube: KubeHandle | undefined;
  // One teardown, shared: a signal's cleanup and the run's own error path await the same promise, so
  // the process never exits while the cleanup of its objects is still under way.
  let tearing: Promise<void> | undefined;
  // Set once a scenario is about to be applied: before that there is nothing of this run to remove.
  let applying = false;

  const teardown = (reason: 'done' | 'signal' | 'error'): Promise<void> => (tearing ??= teardownOnce(reason));
  const teardownOnce = async (reason: 'done' | 'signal' | 'error') => {
    if (cluster && reason !== 'done') {
      await cluster.exportLogs(join(artifactsDir, 'logs')).catch((e: unknown) => log(`log export failed: ${errorMessage(e)}`));
    }
    if (o.keepCluster) {
      if (cluster) log(`keeping cluster${cluster.kubeconfigPath ? ` (kubeconfig ${cluster.kubeconfigPath})` : ''}`);
      return;
    }
    if (kube && cluster && !cluster.owned && applying) {
      const k = kube;
      for (const def of new Set(steps.map((s) => s.def))) {
        await destroyScenario(def, { kube: k, log }).catch((e: unknown) => log(`cleanup of ${def.name} failed: ${errorMessage(e)}`));
      }
    }
    if (cluster?.owned) {
      // The cluster goes as a whole; what scenarios left outside it (files, listeners) goes too.
      for (const def of new Set(steps.map((s) => s.def))) {
        await def.cleanup?.().catch((e: unknown) => log(`cleanup of ${def.name} failed: ${errorMessage(e)}`));
      }
      await cluster.destroy().catch((e: unknown) => log(`cluster removal failed: ${errorMessage(e)}`));
    }
  };
  const signals = o.handleSignals
    ? installSignalHandlers(async () => {
        ac.abort(new IsoproofError('ISOPROOF_ABORTED', 'interrupted'));
        await teardown('signal');
      })
    : undefined;

  try {
    cluster = await provider.up();
    kube = loadKube(cluster.kubeconfigPath, cluster.context);
    const { serverVersion } = await checkReachable(kube, 15_000);
    log(`cluster ${provider.name}: Kubernetes ${serverVersion}`);
    // Reachable is not enough: a kubeconfig without the rights would fail mid-run, scenario by scenario.
    const rights = requiredRights({ objects: kinds, criteria: [...criteria.values()].flat() });
    await assertRights(kube, rights);
    log(`rights: the ${rights.length} the run needs are granted`);
    // Never adopt what isoproof did not create: any object of the plan that exists without the run label stops the run here.
    const reused = await assertNoForeignObjects(kube, objects);
    if (reused.length > 0) log(`re-applying ${reused.length} object(s) an earlier isoproof run left`);
    const facts = mergeFacts(cluster.facts ?? {}, o.facts ?? {});
    log(describeFacts(cluster.facts ?? {}, { facts: o.facts ?? {}, factSources: o.factSources ?? {} }));
    o.reporter?.runStarted?.({ runId: run.id, provider: provider.name, scenarios: steps.length });

    const results: ScenarioResult[] = [];
    const proofs: OverlayProofResult[] = [];
    applying = true;
    for (const step of steps) {
      if (ac.signal.aborted) break;
      o.reporter?.scenarioStarted?.(step.def.name, step.overlay);
      const started = Date.now();
      let result: ScenarioResult;
      try {
        result = await runScenario(step.def, {
          kube,
          run,
          provider: provider.name,
          facts,
          overlay: step.overlay,
          waivers,
          log,
          artifactsDir: join(artifactsDir, 'evidence', step.def.name, step.overlay ?? 'baseline'),
          signal: ac.signal,
          timeouts: o.timeouts,
          ...(o.criteriaParams ? { criteriaParams: o.criteriaParams } : {}),
          ...(o.namespacePrefix ? { namespacePrefix: o.namespacePrefix } : {}),
        });
      } catch (err) {
        if (ac.signal.aborted) break;
        const msg = errorMessage(err);
        log(`[${step.def.name}${step.overlay ? `/${step.overlay}` : ''}] failed: ${msg}`);
        result = {
          scenario: step.def.name,
          outcomes: failedRunOutcomes(criteria.get(step.def.name) ?? [], msg, waivers),
          sections: [],
          durationMs: Date.now() - started,
        };
        if (step.overlay) result.overlay = step.overlay;
      }
      results.push(result);
      o.reporter?.scenarioDone?.(result);
      if (o.overlays && step.overlay) {
        const p = overlayProof(result.outcomes, step.flips ?? []);
        proofs.push({ scenario: step.def.name, overlay: step.overlay, flips: step.flips ?? [], ...p });
        log(`[${step.def.name}/${step.overlay}] overlay proof ${p.ok ? 'holds' : `broken: ${p.problems.join('; ')}`}`);
      }
    }
    if (ac.signal.aborted) throw new IsoproofError('ISOPROOF_ABORTED', 'run interrupted');

    const exitCode = runExitCode(results, proofs, Boolean(o.overlays));
    // With overlays the report carries the proofs: its verdict is then the proof rule (baselines all
    // PASS, each overlay flipped exactly what it names), the same as runExitCode.
    const report = buildReport({
      run,
      tool: TOOL,
      provider: provider.name,
      cluster: { serverVersion },
      scenarios: results,
      ...(o.overlays ? { proofs } : {}),
      finishedAt: new Date(),
    });
    const artifacts = await writeArtifacts(report, artifactsDir);
    o.reporter?.finish?.(report);
    if (exitCode !== 0 && cluster) {
      await cluster.exportLogs(join(artifactsDir, 'logs')).catch((e: unknown) => log(`log export failed: ${errorMessage(e)}`));
    }
    await teardown('done');
    return { run, exitCode, results, proofs, artifacts, report };
  } catch (err) {
    o.reporter?.close?.();
    await teardown(ac.signal.aborted ? 'signal' : 'error');
    throw err;
  } finally {
    signals?.uninstall();
  }
}

