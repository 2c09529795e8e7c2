import type { Criterion } from '@isoproof/core';
import { ControlPlanner } from './controls';
import type { CompileOptions, PlanCheck, PlanControl, ProbePlan } from './plan';
import { PlanBuilder } from './plan-builder';
import { selectorString } from './selectors';
import { cellsOf, isPodRef } from './spec';
import { TargetResolver, podLabel } from './targets';
import type { Protocol, SimPod, Snapshot } from './types';

/** Namespaces whose pods run the agent image: those the criteria name as sources, pod or Service targets, or control sources. */
function agentNamespacesOf(criteria: Criterion[]): Set<string> {
  const out = new Set<string>();
  for (const c of criteria) {
    for (const spec of cellsOf(c)) {
      out.add(spec.from.namespace);
      if (isPodRef(spec.to)) out.add(spec.to.namespace);
      else if ('service' in spec.to) out.add(spec.to.service.split('.')[1] ?? '');
      if (spec.control?.from) out.add(spec.control.from.namespace);
    }
  }
  return out;
}

/**
 * Compiles criteria into a probe plan: cells resolved to concrete pods/IPs against a snapshot,
 * deduplicated across criteria, a control for every deny, a readiness cell for every listener, and
 * the simulation of the current policies on each cell.
 */
export function compilePlan(criteria: Criterion[], snapshot: Snapshot, opts: CompileOptions = {}): ProbePlan {
  const targets = new TargetResolver(snapshot, opts);
  const plan = new PlanBuilder(snapshot);
  const controls = new ControlPlanner(snapshot, opts, targets, plan, agentNamespacesOf(criteria));
  const needSource: Array<{ check: PlanCheck; source: SimPod }> = [];
  for (const c of criteria) {
    cellsOf(c).forEach((spec, i) => {
      const expect = spec.expect === 'deny' ? 'denied' : 'allowed';
      const protocol: Protocol = spec.protocol ?? 'TCP';
      const sources = targets.pods(spec.from);
      if (sources.length === 0) {
        plan.checks.push({
          criterion: c.id,
          id: `cells[${i}] ${spec.from.namespace}/${selectorString(spec.from.selector)}`,
          expect,
          problem: `no running pod matches ${spec.from.namespace}/${selectorString(spec.from.selector)}`,
        });
        return;
      }
      const dests = targets.resolveTargets(spec.to, spec.port, protocol);
      for (const source of sources) {
        for (const t of dests) {
          if (typeof t === 'string') {
            plan.checks.push({ criterion: c.id, id: `${podLabel(source)} -> cells[${i}]`, expect, problem: t });
            continue;
          }
          if (t.destPod === source) continue; // a pod to itself is not isolation
          const cell = plan.addCell(source, t, true);
          plan.addReadiness(t);
          const check: PlanCheck = { criterion: c.id, id: cell.key, expect, cell: cell.key };
          if (expect === 'denied') {
            const ctl = controls.control(source, t, spec);
            check.controls = ctl.controls;
            const primary = ctl.controls.find((x) => x.role === 'same-source') ?? ctl.controls.find((x) => x.role === 'target');
            if (primary) check.control = primary.key;
            const how = [...ctl.controls.map((x) => `${x.role}: ${x.how}`), ...ctl.notes].join('; ');
            if (how) check.controlHow = how;
            if (!ctl.controls.some((x) => x.role === 'same-source')) needSource.push({ check, source });
          }
          if (!plan.checks.some((x) => x.criterion === c.id && x.id === check.id)) plan.checks.push(check);
        }
      }
    });
  }
  // Source-side controls, once every cell the criteria need is in the plan (their allowed cells are reused).
  const bySource = new Map<SimPod, PlanControl | string>();
  for (const { check, source } of needSource) {
    let sc = bySource.get(source);
    if (sc === undefined) bySource.set(source, (sc = controls.sourceControl(source)));
    if (typeof sc === 'string') {
      check.sourceProblem = sc;
      check.controlHow = [check.controlHow, `source: ${sc}`].filter(Boolean).join('; ');
    } else if (!check.controls!.some((x) => x.role === 'source')) {
      check.controls!.push(sc);
      check.controlHow = [check.controlHow, `source: ${sc.how}`].filter(Boolean).join('; ');
    }
  }
  return { cells: plan.cells, checks: plan.checks, readiness: plan.readiness };
}
