import type { Criterion, ProbeFamily } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { defineProbeFamily } from '@isoproof/kube';
import type { CellResult, Enforcement } from './classify';
import { assessEnforcement, buildChecks } from './classify';
import type { ExecMode } from './execute';
import { executeCells } from './execute';
import type { ProbePlan } from './plan';
import { compilePlan } from './compile';
import { compileOptionsFromFacts, runnerKey } from './plan';
import { NodeAgentPool } from './node-agents';
import { findingsSection, truthTable } from './sections';
import { loadSnapshot } from './snapshot';
import type { CellSpec } from './spec';
import { cellsOf, isPodRef, validateNetworkSpec } from './spec';
import { waitStable } from './stable';

/** A policy change older than this is not a rollout being waited for: no time-to-enforce. */
const RECENT_CHANGE_MS = 10 * 60_000;

export interface NetworkFamilyOptions {
  mode?: ExecMode;
  /** Per connect (default 1500 ms). */
  timeoutMs?: number;
  /** Sockets open at once inside one agent (default: every cell of the source, up to 1024). */
  concurrency?: number;
  /** Source pods probed in parallel (default 32). */
  parallel?: number;
  /** Poll-until-stable after policy changes; false disables it. */
  stable?: { intervalMs: number; capMs: number } | false;
  agentPath?: string;
}

export interface NetworkRun {
  scenario: string;
  plan: ProbePlan;
  results: Map<string, CellResult>;
  enforcement: Enforcement;
  timeToEnforceMs: Map<string, number>;
  /** Epoch ms time-to-enforce is measured from (the latest policy change), if recent. */
  policyChangedAt?: number;
  unstable: string[];
  execCalls: number;
  rounds: number;
  ms: number;
}

export interface NetworkFamily extends ProbeFamily {
  /** The last run's plan, results and figures (for reports and the benchmark). */
  lastRun(): NetworkRun | undefined;
}

/** Namespaces a set of criteria touches. */
export function criteriaNamespaces(criteria: Criterion[]): string[] {
  const out = new Set<string>();
  const add = (t: unknown) => {
    if (!t || typeof t !== 'object') return;
    if (isPodRef(t as never)) out.add((t as { namespace: string }).namespace);
    const svc = (t as { service?: string }).service;
    if (typeof svc === 'string') out.add(svc.split('.')[1] ?? '');
  };
  for (const c of criteria) {
    for (const cell of cellsOf(c) as CellSpec[]) {
      add(cell.from);
      add(cell.to);
      add(cell.control?.from);
      add(cell.control?.to);
    }
  }
  out.delete('');
  return [...out].sort();
}

/** The network probe family (`kind: 'network'`). One instance per scenario (it keeps its last run). */
export function createNetworkFamily(opts: NetworkFamilyOptions = {}): NetworkFamily {
  let last: NetworkRun | undefined;
  const timeoutMs = opts.timeoutMs ?? 1500;
  const family = defineProbeFamily({
    kind: 'network',
    validateSpec: validateNetworkSpec,
    async run(criteria, ctx, out) {
      const started = Date.now();
      const kube: KubeHandle = out.kube;
      const snapshot = await loadSnapshot(kube, criteriaNamespaces(criteria));
      const plan = compilePlan(criteria, snapshot, compileOptionsFromFacts(ctx.facts));
      ctx.log(
        `network: ${plan.checks.length} checks, ${plan.cells.size} cells, ${snapshot.policies.length} policies, ${new Set([...plan.cells.values()].map((c) => runnerKey(c.runner))).size} runners`,
      );
      // Time-to-enforce runs from the latest policy change, when it is recent (a fresh apply or overlay).
      const since =
        snapshot.policyChangedAt !== undefined && started - snapshot.policyChangedAt < RECENT_CHANGE_MS ? snapshot.policyChangedAt : undefined;
      let execCalls = 0;
      const agentNodes = [...new Set([...plan.cells.values()].flatMap((c) => (c.runner.kind === 'node' ? [c.runner.node] : [])))];
      await using nodeAgents = new NodeAgentPool(kube, ctx.run.id, agentNodes, { log: ctx.log });
      const probe = async (cells: Parameters<typeof executeCells>[0]) => {
        const { results, stats } = await executeCells(cells, {
          kube,
          mode: opts.mode,
          timeoutMs,
          concurrency: opts.concurrency,
          parallel: opts.parallel,
          agentPath: opts.agentPath,
          log: ctx.log,
          signal: ctx.signal,
          nodeAgents,
        });
        execCalls += stats.execCalls;
        return results;
      };
      const stableOpts = opts.stable === undefined ? { intervalMs: 500, capMs: 10_000 } : opts.stable;
      let results: Map<string, CellResult>;
      let tte = new Map<string, number>();
      let unstable: string[] = [];
      let rounds = 1;
      if (stableOpts) {
        const s = await waitStable(plan, { probe, intervalMs: stableOpts.intervalMs, capMs: stableOpts.capMs, signal: ctx.signal, since });
        results = s.results;
        tte = s.timeToEnforceMs;
        unstable = s.unstable;
        rounds = s.rounds;
      } else {
        results = await probe([...plan.cells.values()]);
      }
      const enforcement = assessEnforcement(plan, results);
      ctx.log(`network: enforcement ${enforcement.state}; ${rounds} round(s), ${execCalls} exec calls, ${Date.now() - started} ms`);
      // Time-to-enforce: for the cells the policies deny, from the policy change to the first probe
      // round that saw the drop (an upper bound when the first round already agreed).
      const enforced =
        since === undefined
          ? new Map<string, number>()
          : new Map([...tte].filter(([k]) => !unstable.includes(k) && plan.cells.get(k)?.sim?.verdict === 'deny'));
      last = {
        scenario: ctx.scenario,
        plan,
        results,
        enforcement,
        timeToEnforceMs: enforced,
        ...(since !== undefined ? { policyChangedAt: since } : {}),
        unstable,
        execCalls,
        rounds,
        ms: Date.now() - started,
      };
      const checks = buildChecks(
        plan,
        { timeoutMs, results, readiness: plan.readiness, enforcement, timeToEnforceMs: enforced },
        criteria.map((c) => c.id),
      );
      for (const [id, list] of checks) out.checks(id).push(...list);
      out.section(
        truthTable(`Network truth table: ${last.scenario}`, last.plan, last.results),
        findingsSection(`Network findings: ${last.scenario}`, last.plan, last.results, {
          cells: last.plan.cells.size,
          execCalls: last.execCalls,
          ms: last.ms,
          rounds: last.rounds,
          enforcement: last.enforcement,
          timeToEnforceMs: last.timeToEnforceMs,
          policyChangedAt: last.policyChangedAt,
          unstable: last.unstable,
        }),
      );
    },
  });
  return Object.assign(family, { lastRun: () => last });
}
