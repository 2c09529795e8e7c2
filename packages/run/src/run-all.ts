import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Waiver } from '@isoproof/core';
import { IsoproofError, loadWaivers, newRun } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { assertNoForeignObjects, checkReachable, loadKube } from '@isoproof/kube';
import { selectProvider } from '@isoproof/cluster';
import { DEFAULT_TOOL, buildReport, writeArtifacts } from '@isoproof/report';
import { overlayProof, runExitCode } from './exit-code';
import { evaluate } from '@isoproof/core';
import { errorMessage, failedRunOutcomes, undecided } from './families';
import { planRun } from './plan';
import { assertRights, requiredRights } from './preflight';
import type { OverlayProofResult, RunAllOptions, RunAllResult } from './run-types';
import { type ScenarioResult, runScenario } from './scenario';
import { describeFacts, mergeFacts } from './settings';
import { type ViolationRefs, cleanupRun, describeRefs } from './cleanup';
import { checkArtifactsDir } from './inputs';
import { InterruptedError, Shutdown, type StopSignal } from './shutdown';
import { DEFAULT_TIMEOUTS, type Timeouts } from './timeout';

/** Name and version of the tool as reports carry them (one definition: @isoproof/report's). */
export const TOOL = DEFAULT_TOOL;

/** "cleanup" or "tenant-isolation/egress-open: readiness": where a run was when a signal stopped it. */
type Stage = string;

/**
 * One full run as the CLI does it: obtain the cluster, run the scenarios serially, write the report
 * and its renderings under `artifactsDir`, tear down (unless `keepCluster`).
 *
 * A signal (see Shutdown) stops it: no new scenario starts, the one in flight stops, the cleanup of the
 * normal path runs (seeded violations first), and the partial report is written (marked interrupted,
 * undecided criteria INCONCLUSIVE); the result then carries `interrupted`.
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
  const artifactsDir = await checkArtifactsDir(resolve(o.artifactsDir));
  const t: Timeouts = { ...DEFAULT_TIMEOUTS, ...o.timeouts };

  const run = newRun();
  log(`run ${run.id}: ${steps.length} scenario run(s)`);

  const ownShutdown = !o.shutdown && o.handleSignals ? new Shutdown().install() : undefined;
  const shutdown = o.shutdown ?? ownShutdown;
  const ac = new AbortController();
  const onStop = () => ac.abort(shutdown?.signal.reason);
  if (shutdown?.signal.aborted) onStop();
  else shutdown?.signal.addEventListener('abort', onStop, { once: true });
  const stopped = () => ac.signal.aborted;
  const stopSignal = (): StopSignal => (ac.signal.reason instanceof InterruptedError ? ac.signal.reason.signal : 'SIGINT');

  const provider = await selectProvider({
    provider: o.provider.name,
    kubeconfig: o.provider.kubeconfig,
    context: o.provider.context,
    name: o.provider.clusterName,
    ...(o.provider.kind ? { kind: o.provider.kind } : {}),
    log,
  });
  let cluster: Awaited<ReturnType<typeof provider.up>> | undefined;
  let kube: KubeHandle | undefined;
  let tornDown = false;
  let stage: Stage = 'cluster setup';
  // Steps [0, started) were started: before the first there is nothing of this run to remove.
  let started = 0;
  const results: ScenarioResult[] = [];
  const proofs: OverlayProofResult[] = [];
  let serverVersion = 'unknown';
  let facts: Record<string, string> = {};

  const sweepCommand = (): string =>
    kube ? `isoproof sweep --kubeconfig ${kube.kubeconfigPath}${kube.context ? ` --context ${kube.context}` : ''} --run ${run.id}` : 'isoproof sweep';
  /** What may be left on the cluster now, and how to remove it (for an early exit). */
  const leftovers = (): string => {
    if (cluster?.owned) return `the ${provider.name} cluster isoproof created may be left; remove it with: isoproof down --provider ${provider.name}`;
    if (!kube || started === 0) return 'nothing of this run was applied to the cluster';
    const refs = steps.slice(0, started).flatMap((s) => s.refs);
    const namespaces = [...new Set(refs.filter((r) => r.kind === 'Namespace').map((r) => r.name))];
    const clusterScoped = refs.filter((r) => r.kind !== 'Namespace' && !r.namespace);
    return (
      `objects labelled isoproof.dev/run=${run.id} may be left (namespaces ${namespaces.join(', ') || 'none'}` +
      `${clusterScoped.length ? `; cluster-scoped ${describeRefs(clusterScoped, 6)}` : ''}); remove them with: ${sweepCommand()}`
    );
  };
  if (shutdown) shutdown.leftovers = leftovers;

  const teardown = async (reason: 'done' | 'signal' | 'error') => {
    if (tornDown) return;
    tornDown = true;
    stage = 'cleanup';
    if (cluster?.owned && reason !== 'done') {
      await cluster.exportLogs(join(artifactsDir, 'logs')).catch((e: unknown) => log(`log export failed: ${errorMessage(e)}`));
    }
    if (o.keepCluster) {
      if (cluster) log(`keeping cluster${cluster.kubeconfigPath ? ` (kubeconfig ${cluster.kubeconfigPath})` : ''}`);
      return;
    }
    const defs = [...new Set(steps.map((s) => s.def))];
    if (kube && cluster && !cluster.owned && started > 0) {
      const begun = Date.now();
      const violations = steps.slice(0, started).reduce<ViolationRefs>(
        (acc, s) => ({ objects: [...acc.objects, ...(s.violations?.objects ?? [])], namespaces: [...acc.namespaces, ...(s.violations?.namespaces ?? [])] }),
        { objects: [], namespaces: [] },
      );
      try {
        const res = await cleanupRun(kube, {
          runId: run.id,
          scenarios: defs.map((d) => d.name),
          violations,
          timeoutMs: t.destroy,
          deadline: () => Math.min(begun + t.destroy, shutdown?.cleanupDeadline ?? Number.POSITIVE_INFINITY),
          log,
        });
        if (res.left.length > 0) {
          log(`cleanup: ${res.left.length} object(s) still present after ${Math.round(res.durationMs / 1000)}s: ${describeRefs(res.left)}; remove them with: ${sweepCommand()}`);
        }
      } catch (e) {
        log(`cleanup failed: ${errorMessage(e)}; remove what is left with: ${sweepCommand()}`);
      }
      // What the scenarios left outside the cluster (files, listeners).
      for (const def of defs) await def.cleanup?.().catch((e: unknown) => log(`cleanup of ${def.name} failed: ${errorMessage(e)}`));
    }
    if (cluster && !cluster.owned && reason !== 'done') {
      await cluster.exportLogs(join(artifactsDir, 'logs')).catch((e: unknown) => log(`log export failed: ${errorMessage(e)}`));
    }
    if (cluster?.owned) {
      // The cluster goes as a whole; what scenarios left outside it (files, listeners) goes too.
      for (const def of defs) await def.cleanup?.().catch((e: unknown) => log(`cleanup of ${def.name} failed: ${errorMessage(e)}`));
      await cluster.destroy().catch((e: unknown) => log(`cluster removal failed: ${errorMessage(e)}`));
    }
  };
  const check = () => {
    if (stopped()) throw ac.signal.reason;
  };

  try {
    try {
      check();
      cluster = await provider.up();
      kube = loadKube(cluster.kubeconfigPath, cluster.context);
      check();
      serverVersion = (await checkReachable(kube, 15_000)).serverVersion;
      log(`cluster ${provider.name}: Kubernetes ${serverVersion}`);
      check();
      // Reachable is not enough: a kubeconfig without the rights would fail mid-run, scenario by scenario.
      const rights = requiredRights({ objects: kinds, criteria: [...criteria.values()].flat() });
      await assertRights(kube, rights);
      log(`rights: the ${rights.length} the run needs are granted`);
      check();
      // Never adopt what isoproof did not create: any object of the plan that exists without the run label stops the run here.
      const reused = await assertNoForeignObjects(kube, objects);
      if (reused.length > 0) log(`re-applying ${reused.length} object(s) an earlier isoproof run left`);
      facts = mergeFacts(cluster.facts ?? {}, o.facts ?? {});
      log(describeFacts(cluster.facts ?? {}, { facts: o.facts ?? {}, factSources: o.factSources ?? {} }));
      check();
      o.reporter?.runStarted?.({ runId: run.id, provider: provider.name, scenarios: steps.length });

      for (const [i, step] of steps.entries()) {
        if (stopped()) break;
        const label = step.overlay ? `${step.def.name}/${step.overlay}` : step.def.name;
        started = i + 1;
        stage = label;
        o.reporter?.scenarioStarted?.(step.def.name, step.overlay);
        const begun = Date.now();
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
            onStage: (s) => (stage = `${label}: ${s}`),
          });
        } catch (err) {
          if (stopped()) break;
          const msg = errorMessage(err);
          log(`[${label}] failed: ${msg}`);
          result = {
            scenario: step.def.name,
            outcomes: failedRunOutcomes(criteria.get(step.def.name) ?? [], msg, waivers),
            sections: [],
            durationMs: Date.now() - begun,
          };
          if (step.overlay) result.overlay = step.overlay;
        }
        if (stopped()) break;
        results.push(result);
        o.reporter?.scenarioDone?.(result);
        if (o.overlays && step.overlay) {
          const p = overlayProof(result.outcomes, step.flips ?? []);
          proofs.push({ scenario: step.def.name, overlay: step.overlay, flips: step.flips ?? [], ...p });
          log(`[${label}] overlay proof ${p.ok ? 'holds' : `broken: ${p.problems.join('; ')}`}`);
        }
      }
    } catch (err) {
      if (!stopped()) {
        o.reporter?.close?.();
        await teardown('error');
        throw err;
      }
    }

    if (stopped()) {
      // Interrupted: the same cleanup as the normal path, then the partial report.
      const signal = stopSignal();
      const during = stage;
      o.reporter?.close?.();
      log(`run stopped by ${signal} during ${during}: cleaning up`);
      await teardown('signal');
      const why = `not decided: the run was interrupted by ${signal} (during ${during})`;
      const undecidedRuns: ScenarioResult[] = steps.slice(results.length).map((s) => ({
        scenario: s.def.name,
        ...(s.overlay ? { overlay: s.overlay } : {}),
        outcomes: (criteria.get(s.def.name) ?? []).map((c) => undecided(c, why, (x, checks) => evaluate(x, checks, { waivers }))),
        sections: [],
        durationMs: 0,
      }));
      const report = buildReport({
        run,
        tool: TOOL,
        provider: provider.name,
        cluster: { serverVersion },
        scenarios: [...results, ...undecidedRuns],
        ...(o.overlays ? { proofs } : {}),
        finishedAt: new Date(),
        interrupted: { signal, during },
      });
      const artifacts = await writeArtifacts(report, artifactsDir);
      log(`partial report written (interrupted by ${signal}; ${undecidedRuns.length} of ${steps.length} scenario run(s) undecided)`);
      return { run, exitCode: report.exitCode, results, proofs, artifacts, report, interrupted: signal };
    }

    stage = 'report';
    const exitCode = runExitCode(results, proofs, Boolean(o.overlays));
    // With overlays the report carries the proofs: its verdict is then the proof rule (baselines all
    // PASS, each overlay flipped exactly what it names), the same as runExitCode.
    let report = buildReport({
      run,
      tool: TOOL,
      provider: provider.name,
      cluster: { serverVersion },
      scenarios: results,
      ...(o.overlays ? { proofs } : {}),
      finishedAt: new Date(),
    });
    let artifacts = await writeArtifacts(report, artifactsDir);
    o.reporter?.finish?.(report);
    if ((exitCode !== 0 || o.exportLogs) && cluster) {
      await cluster.exportLogs(join(artifactsDir, 'logs')).catch((e: unknown) => log(`log export failed: ${errorMessage(e)}`));
    }
    await teardown('done');
    if (stopped()) {
      // A signal during the final cleanup: every verdict was decided; the report says it was interrupted.
      const signal = stopSignal();
      report = { ...report, interrupted: { signal, during: 'cleanup' } };
      // The step summary already has this run: rewrite the files only.
      artifacts = await writeArtifacts(report, artifactsDir, { env: { ...process.env, GITHUB_STEP_SUMMARY: '' } });
      return { run, exitCode, results, proofs, artifacts, report, interrupted: signal };
    }
    return { run, exitCode, results, proofs, artifacts, report };
  } finally {
    shutdown?.signal.removeEventListener('abort', onStop);
    ownShutdown?.uninstall();
  }
}
