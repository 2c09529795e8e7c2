import type { Check, Observation, ObservationOutcome } from '@isoproof/core';
import type { PlanCell, PlanCheck, PlanControl, ProbePlan } from './plan';
import { decidingPolicies } from './simulator';

export type CellResultKind = 'connected' | 'refused' | 'timeout' | 'dns-error' | 'unreachable' | 'infra-error';

export const CELL_RESULT_KINDS: readonly CellResultKind[] = ['connected', 'refused', 'timeout', 'dns-error', 'unreachable', 'infra-error'];

export interface CellResult {
  key: string;
  result: CellResultKind;
  latencyMs: number;
  detail: string;
}

/** connected -> allowed; timeout -> denied; anything else -> error (a refused is not a deny). */
export function outcomeOf(result: CellResultKind): ObservationOutcome {
  if (result === 'connected') return 'allowed';
  if (result === 'timeout') return 'denied';
  return 'error';
}

const WHY: Record<Exclude<CellResultKind, 'connected' | 'timeout'>, string> = {
  refused: 'connection refused: nothing listens there or a REJECT rule answered; a refused is not a deny',
  'dns-error': 'name resolution failed: the probe never reached its target',
  unreachable: 'host or network unreachable: routing or an ICMP-rejecting rule, not a policy drop',
  'infra-error': 'the probe itself failed',
};

/** Whether an observed result matches an expectation ('allowed' wants connected, 'denied' wants timeout). */
export function agrees(result: CellResultKind | undefined, expected: 'allowed' | 'denied' | undefined): boolean {
  if (!expected || !result) return true;
  return expected === 'allowed' ? result === 'connected' : result === 'timeout';
}

export type Enforcement = { state: 'enforcing' | 'not-enforcing' | 'unknown'; reason: string };

/**
 * Does the cluster enforce NetworkPolicy at all? Proven by a known-deny cell (the simulation says deny)
 * that timed out while its control connected. Disproven when every such cell with a connecting control
 * connected too.
 */
export function assessEnforcement(plan: ProbePlan, results: Map<string, CellResult>): Enforcement {
  let pairs = 0;
  let connectedPairs = 0;
  for (const check of plan.checks) {
    if (check.expect !== 'denied' || !check.cell || !check.control) continue;
    const cell = plan.cells.get(check.cell);
    if (cell?.sim?.verdict !== 'deny') continue;
    const ctl = results.get(check.control);
    const probe = results.get(check.cell);
    if (ctl?.result !== 'connected' || !probe) continue;
    pairs++;
    if (probe.result === 'timeout') {
      return { state: 'enforcing', reason: `${check.cell} timed out while its control ${check.control} connected` };
    }
    if (probe.result === 'connected') connectedPairs++;
  }
  if (pairs > 0 && connectedPairs === pairs) {
    return {
      state: 'not-enforcing',
      reason: `all ${pairs} cells the policies deny connected while their controls connected: cluster does not enforce NetworkPolicy`,
    };
  }
  return { state: 'unknown', reason: pairs === 0 ? 'no known-deny cell with a connecting control in the plan' : 'known-deny cells gave errors' };
}

function describe(cell: PlanCell): string {
  const where =
    cell.runner.kind === 'host' ? 'the runner host' : cell.runner.kind === 'node' ? `hostNetwork agent on node ${cell.runner.node}` : `pod ${cell.runner.namespace}/${cell.runner.pod}`;
  if (cell.nodeHandshake && cell.runner.kind === 'node')
    return `node handshake from hostNetwork agent on node ${cell.runner.node}: tcp connect to ${cell.host}:${cell.port} (${cell.listener ?? 'pod'})`;
  if (cell.nodeHandshake) return `node handshake: tcp connect to ${cell.host}:${cell.port} (${cell.listener ?? 'pod'}) from the runner host`;
  if (cell.protocol === 'dns') return `resolve ${cell.host} from ${where}`;
  const verb = cell.protocol === 'udp' ? 'udp "echo isoproof" to' : 'tcp connect to';
  return `${verb} ${cell.host}:${cell.port} from ${where}`;
}

export interface ObservationContext {
  timeoutMs: number;
  results: Map<string, CellResult>;
  readiness: Map<string, string>;
  timeToEnforceMs?: Map<string, number>;
  /** The criterion's expectation for this cell (for notes on simulation disagreement). */
  expect?: 'allowed' | 'denied';
  enforcement?: Enforcement;
}

/** The Observation of one cell: classification, evidence, simulation notes, listener readiness. */
export function observationOf(cell: PlanCell, ctx: ObservationContext): Observation {
  const res = ctx.results.get(cell.key);
  const notes: string[] = [];
  const evidence = { sent: describe(cell), received: '', resources: cell.resources, notes };
  if (!res) {
    evidence.received = 'no result';
    return { outcome: 'error', result: 'infra-error', evidence, error: 'no result for this cell' };
  }
  evidence.received = `${res.result} after ${res.latencyMs} ms${res.detail ? `: ${res.detail}` : ''}`;
  let outcome = outcomeOf(res.result);
  let error: string | undefined = outcome === 'error' ? WHY[res.result as keyof typeof WHY] : undefined;

  if (cell.sim) {
    const sim = cell.sim;
    notes.push(`simulation: ${sim.verdict} (${sim.reason})`);
    const simExpected = sim.verdict === 'allow' ? 'allowed' : 'denied';
    if ((res.result === 'connected' || res.result === 'timeout') && !agrees(res.result, simExpected)) {
      const deciding = decidingPolicies(sim);
      notes.push(
        `cluster disagrees with the simulation: observed ${res.result}, the policies say ${sim.verdict}` +
          (deciding.length ? ` (deciding: ${deciding.join(', ')})` : ' (no policy selects either end)'),
      );
    }
    if (ctx.expect && ctx.expect !== simExpected) {
      notes.push(`the criterion expects ${ctx.expect} but the applied policies ${sim.verdict} it: ${sim.reason}`);
    }
  }
  const tte = ctx.timeToEnforceMs?.get(cell.key);
  if (tte !== undefined) notes.push(`time-to-enforce: matched the policies at most ${tte} ms after the policy change`);

  // Listener readiness: a cell that did not connect only counts when the listener is proven up.
  if (res.result !== 'connected' && cell.listener) {
    const rk = ctx.readiness.get(cell.listener);
    const ready = rk && rk !== cell.key ? ctx.results.get(rk) : undefined;
    if (ready && ready.result !== 'connected') {
      outcome = 'error';
      error = `listener not up: ${cell.listener} gave ${ready.result} to ${rk}`;
    }
  }
  if (ctx.expect === 'denied' && outcome === 'denied' && ctx.enforcement?.state === 'not-enforcing') {
    outcome = 'error';
    error = `cluster does not enforce NetworkPolicy (${ctx.enforcement.reason})`;
  }
  if (ctx.expect === 'denied' && outcome === 'allowed' && ctx.enforcement?.state === 'not-enforcing') {
    outcome = 'error';
    error = `cluster does not enforce NetworkPolicy (${ctx.enforcement.reason})`;
  }
  const obs: Observation = { outcome, result: res.result, latencyMs: res.latencyMs, evidence };
  if (error) obs.error = error;
  return obs;
}

function problemObservation(check: PlanCheck): Observation {
  return {
    outcome: 'error',
    result: 'infra-error',
    evidence: { sent: check.id, received: 'not probed', notes: [check.problem ?? ''] },
    error: check.problem ?? 'not planned',
  };
}

/** Checks per criterion id from a plan and its results. */
export function buildChecks(plan: ProbePlan, ctx: Omit<ObservationContext, 'expect'>, criteria: string[]): Map<string, Check[]> {
  const out = new Map<string, Check[]>(criteria.map((id) => [id, []]));
  for (const pc of plan.checks) {
    const list = out.get(pc.criterion) ?? [];
    out.set(pc.criterion, list);
    if (pc.problem || !pc.cell) {
      list.push({ id: pc.id, expect: pc.expect, observation: problemObservation(pc) });
      continue;
    }
    const cell = plan.cells.get(pc.cell)!;
    const check: Check = { id: pc.id, expect: pc.expect, observation: observationOf(cell, { ...ctx, expect: pc.expect }) };
    if (pc.expect === 'denied') {
      const ctl = controlObservation(plan, pc, ctx);
      if (ctl) check.control = ctl;
      else check.observation.evidence.notes = [...(check.observation.evidence.notes ?? []), `no control: ${pc.controlHow ?? 'no allowed twin of this cell exists'}`];
    }
    list.push(check);
  }
  return out;
}

export const NO_SOURCE_CONNECTION = 'source pod made no successful connection: cannot prove it could connect';

/**
 * The control of a deny check, as one Observation:
 * - a same-source control (same source and target, an allowed port) alone;
 * - else the target-side control (the same target:port reached by an allowed source, or the host for
 *   the external listener) AND the source-side one (the same source pod connecting somewhere in the
 *   same round). Without a connected source-side control the control is an error observation: the
 *   criterion is INCONCLUSIVE.
 * undefined when there is no same-source nor target-side control (INCONCLUSIVE "no control").
 */
export function controlObservation(plan: ProbePlan, pc: PlanCheck, ctx: Omit<ObservationContext, 'expect'>): Observation | undefined {
  const controls: PlanControl[] = pc.controls ?? (pc.control ? [{ key: pc.control, role: 'target', how: pc.controlHow ?? '' }] : []);
  const observe = (c: PlanControl): Observation | undefined => {
    const cell = plan.cells.get(c.key);
    return cell ? observationOf(cell, { ...ctx, expect: 'allowed' }) : undefined;
  };
  const withNote = (o: Observation, ...notes: string[]): Observation => {
    o.evidence.notes = [...(o.evidence.notes ?? []), ...notes];
    return o;
  };
  const same = controls.find((c) => c.role === 'same-source');
  if (same) {
    const o = observe(same);
    return o && withNote(o, `control (same source and target): ${same.how}`);
  }
  const target = controls.find((c) => c.role === 'target');
  const tObs = target && observe(target);
  if (!target || !tObs) return undefined;
  withNote(tObs, `control, target side: ${target.how}`);
  const source = controls.find((c) => c.role === 'source');
  const sObs = source && observe(source);
  if (!source || !sObs || sObs.outcome !== 'allowed') {
    const why = !source || !sObs ? (pc.sourceProblem ?? 'no source-side control planned') : `${source.key} gave ${sObs.result}${sObs.error ? ` (${sObs.error})` : ''}`;
    return {
      outcome: 'error',
      result: 'no-source-control',
      evidence: {
        sent: `${tObs.evidence.sent}; source side: ${source ? source.key : 'none'}`,
        received: `target side: ${tObs.evidence.received}; source side: ${sObs ? sObs.evidence.received : 'not probed'}`,
        resources: tObs.evidence.resources,
        notes: [...(tObs.evidence.notes ?? []), `control, source side: ${why}`],
      },
      error: `${NO_SOURCE_CONNECTION} (${why})`,
    };
  }
  // Both sides: the target-side observation decides (error / not allowed stay INCONCLUSIVE in evaluate).
  return {
    ...tObs,
    evidence: {
      ...tObs.evidence,
      sent: `${tObs.evidence.sent}; source side: ${describe(plan.cells.get(source.key)!)}`,
      received: `target side: ${tObs.evidence.received}; source side: ${sObs.evidence.received}`,
      notes: [...(tObs.evidence.notes ?? []), `control, source side: ${source.how}`],
    },
  };
}
