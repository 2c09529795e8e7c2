import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Criterion, Outcome, ProbeContext, ReportSection, Run, ScenarioDefinition, Waiver } from '@isoproof/core';
import { IsoproofError, defaultRedactor, evaluate, loadCriteria } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import {
  applyObjects,
  assertNoForeignObjects,
  composeOverlay,
  listOverlays,
  pruneObjects,
  removeTempKubeconfigs,
  waitForReady,
} from '@isoproof/kube';
import { countVerdicts } from '@isoproof/report';
import { assertObserveOnly, readScenarioManifests } from './data-scenario';
import { collectSections, groupByFamily, outcomesFrom, runFamilies, validateFamilySpecs } from './families';
import { namespaceMap, renameNamespaces } from './namespace-prefix';
import { type CriterionParams, NO_CRITERION_PARAMS, withCriterionParams } from './settings';
import { DEFAULT_TIMEOUTS, SETTLE_MS, type Timeouts, withTimeout } from './timeout';

export interface ScenarioResult {
  scenario: string;
  overlay?: string;
  outcomes: Outcome[];
  sections: ReportSection[];
  durationMs: number;
}

export interface RunScenarioOptions {
  kube: KubeHandle;
  run: Run;
  provider: string;
  facts?: Record<string, string>;
  overlay?: string;
  waivers?: Waiver[];
  log?: (line: string) => void;
  artifactsDir?: string;
  /** Aborts the run (signals). */
  signal?: AbortSignal;
  /** Step budgets; defaults in DEFAULT_TIMEOUTS. */
  timeouts?: Partial<Timeouts>;
  /** The user's per-criterion parameters (config file), merged over the criteria's specs. */
  criteriaParams?: CriterionParams;
  /** Told when the run enters a step (shutdown messages and interrupted reports name it). */
  onStage?: (stage: ScenarioStage) => void;
  /** Prefix of the scenario's namespace names (--namespace-prefix): manifests and criteria are renamed alike. */
  namespacePrefix?: string;
}

/** The steps of a scenario run, in order. */
export type ScenarioStage = 'apply' | 'readiness' | 'prepare' | 'probing';

export const FIELD_MANAGER = 'isoproof';

export function criteriaFile(def: ScenarioDefinition): string {
  return join(def.dir, 'criteria.yaml');
}

/**
 * Loads a scenario's criteria and checks them against its families (no cluster needed); the user's
 * per-criterion parameters are merged over their specs and checked by the same families.
 */
export async function loadScenarioCriteria(def: ScenarioDefinition, params: CriterionParams = NO_CRITERION_PARAMS): Promise<Criterion[]> {
  const file = criteriaFile(def);
  if (!existsSync(file)) {
    throw new IsoproofError('ISOPROOF_INVALID_SCENARIO', `${file}: missing; every scenario needs a criteria.yaml`);
  }
  const criteria = await loadCriteria(file);
  validateFamilySpecs(criteria, def.families, file);
  return withCriterionParams(criteria, params, def.families);
}

/**
 * Runs one scenario (baseline, or with `overlay` composed on top): applies its manifests, prunes
 * objects of the scenario's previous apply, waits until ready, calls `prepare`, runs each probe
 * family on its criteria and evaluates. Leaves the objects in place so the next overlay only
 * re-applies what differs; `destroyScenario` removes them.
 */
export async function runScenario(def: ScenarioDefinition, o: RunScenarioOptions): Promise<ScenarioResult> {
  try {
    return await runScenarioSteps(def, o);
  } finally {
    // The probes' identity clients (TokenRequest tokens, impersonation) live for one scenario run; their
    // kubeconfig files go now rather than at process exit.
    removeTempKubeconfigs();
  }
}

async function runScenarioSteps(def: ScenarioDefinition, o: RunScenarioOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const t: Timeouts = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
  const log = o.log ?? (() => undefined);
  const label = o.overlay ? `${def.name}/${o.overlay}` : def.name;
  const say = (l: string) => log(`[${label}] ${l}`);

  let criteria = await loadScenarioCriteria(def, o.criteriaParams);

  let objects = await readScenarioManifests(def.dir);
  assertObserveOnly(def, criteria, objects);
  if (o.overlay) {
    const overlayDir = join(def.dir, 'overlays', o.overlay);
    if (!existsSync(join(overlayDir, 'overlay.yaml'))) {
      const known = (await listOverlays(def.dir)).map((x) => x.name);
      throw new IsoproofError(
        'ISOPROOF_UNKNOWN_OVERLAY',
        `scenario ${def.name} has no overlay '${o.overlay}' (known: ${known.join(', ') || 'none'})`,
      );
    }
    objects = (await composeOverlay(objects, overlayDir)).objects;
  }

  if (o.namespacePrefix) {
    const map = namespaceMap(objects, o.namespacePrefix);
    objects = renameNamespaces(objects, map);
    criteria = renameNamespaces(criteria, map);
    say(`namespaces renamed: ${[...map.values()].join(', ')}`);
  }
  o.onStage?.('apply');
  say(`applying ${objects.length} objects`);
  const refs = await withTimeout(
    `apply of ${label}`,
    t.apply,
    async (signal) => {
      // One line naming every object of the user's in the way, before anything is applied.
      await assertNoForeignObjects(o.kube, objects);
      return applyObjects(o.kube, objects, { runId: o.run.id, scenario: def.name, fieldManager: FIELD_MANAGER, signal });
    },
    o.signal,
    { settleMs: SETTLE_MS },
  );
  const pruned = await withTimeout(`prune of ${label}`, t.apply, () => pruneObjects(o.kube, def.name, refs), o.signal, { settleMs: SETTLE_MS });
  if (pruned.length > 0) say(`pruned ${pruned.length} objects of the previous apply`);
  o.onStage?.('readiness');
  say('waiting until ready');
  // The wait has its own budget (which names what is not ready); the outer bound and the run's signal
  // stop it even if the API server hangs.
  await withTimeout(
    `readiness of ${label}`,
    t.ready + 5_000,
    (signal) => waitForReady(o.kube, refs, { timeoutMs: t.ready, signal }),
    o.signal,
  );

  const ctx: ProbeContext = {
    run: o.run,
    kubeconfigPath: o.kube.kubeconfigPath,
    scenario: def.name,
    provider: o.provider,
    facts: o.facts ?? {},
    log: say,
  };
  if (o.kube.context) ctx.context = o.kube.context;
  if (o.artifactsDir) ctx.artifactsDir = o.artifactsDir;
  if (o.signal) ctx.signal = o.signal;

  const groups = groupByFamily(criteria, def.families, criteriaFile(def));
  let prepareError: string | undefined;
  if (def.prepare) {
    const prepare = def.prepare.bind(def);
    o.onStage?.('prepare');
    try {
      await withTimeout(`prepare of ${label}`, t.prepare, (signal) => prepare({ ...ctx, signal }), o.signal, { settleMs: SETTLE_MS });
    } catch (err) {
      if (o.signal?.aborted) throw err;
      prepareError = err instanceof Error ? err.message : String(err);
      say(`prepare failed: ${prepareError}`);
    }
  }

  o.onStage?.('probing');
  const results = prepareError
    ? groups.map((g) => ({ ...g, ok: false as const, error: `prepare failed: ${prepareError}`, durationMs: 0 }))
    : await runFamilies(groups, ctx, t.family);
  if (o.signal?.aborted) throw new IsoproofError('ISOPROOF_ABORTED', `run of ${label} aborted`);

  const waivers = o.waivers ?? [];
  const outcomes = outcomesFrom(criteria, results, (c, checks) => evaluate(c, checks, { waivers }));
  const sections = collectSections(def.families);

  const result: ScenarioResult = {
    scenario: def.name,
    outcomes: defaultRedactor.scrub(outcomes),
    sections: defaultRedactor.scrub(sections),
    durationMs: Date.now() - started,
  };
  if (o.overlay) result.overlay = o.overlay;
  const counts = countVerdicts(result.outcomes);
  say(`done in ${(result.durationMs / 1000).toFixed(1)}s: ${counts.pass} PASS, ${counts.fail} FAIL, ${counts.inconclusive} INCONCLUSIVE`);
  return result;
}

/** Removes every object of the scenario (all runs) from the cluster, bounded in time. */
export async function destroyScenario(
  def: ScenarioDefinition,
  o: { kube: KubeHandle; timeoutMs?: number; log?: (line: string) => void },
): Promise<void> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUTS.destroy;
  // Wait until the objects (namespaces included) are really gone, so the next run of the same scenario
  // never meets "namespace is being terminated".
  // What the scenario left outside the cluster (files, listeners) goes even when the prune fails;
  // the prune's error, if any, is the one reported.
  let pruneError: unknown;
  try {
    const removed = await withTimeout(`removal of scenario ${def.name}`, timeoutMs, () =>
      pruneObjects(o.kube, def.name, [], { waitMs: Math.max(1_000, timeoutMs - 5_000) }),
    );
    o.log?.(`[${def.name}] removed ${removed.length} objects`);
  } catch (err) {
    pruneError = err;
  } finally {
    try {
      await def.cleanup?.();
    } catch (err) {
      if (pruneError === undefined) throw err;
      o.log?.(`[${def.name}] cleanup failed too: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (pruneError !== undefined) throw pruneError;
}
