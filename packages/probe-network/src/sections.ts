import type { ReportSection } from '@isoproof/core';
import type { CellResult, Enforcement } from './classify';
import { agrees } from './classify';
import type { ProbePlan } from './plan';
import { decidingPolicies } from './simulator';
import { percentile } from './stable';

export const GRID_LEGEND =
  '. allowed (connected)  X denied (timeout)  ? error (refused, dns-error, unreachable, infra-error)  ' +
  '! the cell differs from the criteria  ~ the cluster differs from the NetworkPolicy simulation  (blank) not probed';

function symbol(result: CellResult | undefined): string {
  if (!result) return '?';
  if (result.result === 'connected') return '.';
  if (result.result === 'timeout') return 'X';
  return '?';
}

/** The truth table: rows = sources, columns = targets; only the criteria's own cells (not controls). */
export function truthTable(title: string, plan: ProbePlan, results: Map<string, CellResult>): ReportSection {
  const expectations = new Map<string, 'allowed' | 'denied'>();
  for (const c of plan.checks) if (c.cell && !expectations.has(c.cell)) expectations.set(c.cell, c.expect);
  const cells = [...expectations.keys()].map((k) => plan.cells.get(k)!).filter(Boolean);
  const rowLabels = [...new Set(cells.map((c) => c.row))].sort();
  const colLabels = [...new Set(cells.map((c) => c.col))].sort();
  const grid = rowLabels.map(() => colLabels.map(() => ''));
  for (const cell of cells) {
    const r = results.get(cell.key);
    let s = symbol(r);
    const want = expectations.get(cell.key);
    if (s !== '?' && !agrees(r?.result, want)) s += '!';
    if (cell.sim && (r?.result === 'connected' || r?.result === 'timeout') && !agrees(r.result, cell.sim.verdict === 'allow' ? 'allowed' : 'denied')) s += '~';
    grid[rowLabels.indexOf(cell.row)]![colLabels.indexOf(cell.col)] = s;
  }
  return { type: 'grid', title, rowLabels, colLabels, cells: grid, legend: GRID_LEGEND };
}

export interface RunFigures {
  cells: number;
  execCalls: number;
  ms: number;
  rounds: number;
  enforcement: Enforcement;
  timeToEnforceMs: Map<string, number>;
  /** Epoch ms of the policy change time-to-enforce is measured from. */
  policyChangedAt?: number;
  unstable: string[];
}

/** Text section: cluster vs simulation, criteria vs simulation, and the run's figures. */
export function findingsSection(title: string, plan: ProbePlan, results: Map<string, CellResult>, f: RunFigures): ReportSection {
  const lines: string[] = [];
  const secs = f.ms / 1000;
  lines.push(
    `${f.cells} cells, ${f.execCalls} exec calls, ${secs.toFixed(1)} s, ${(f.cells / Math.max(secs, 0.001)).toFixed(1)} cells/s, ${f.rounds} probe round(s)`,
  );
  lines.push(`enforcement: ${f.enforcement.state} (${f.enforcement.reason})`);
  const tte = [...f.timeToEnforceMs.values()];
  const p95 = percentile(tte, 95);
  if (p95 !== undefined) {
    const from = f.policyChangedAt !== undefined ? ` from the policy change at ${new Date(f.policyChangedAt).toISOString()} (1 s resolution)` : '';
    const bound = f.rounds === 1 ? '; the first probe round already agreed, so this is an upper bound (apply + readiness + probe)' : '';
    lines.push(`time-to-enforce of denied cells: p95 ${p95} ms, max ${percentile(tte, 100)} ms over ${tte.length} cells${from}${bound}`);
  } else if (f.policyChangedAt === undefined) {
    lines.push('time-to-enforce: not measured (no recent policy change in these namespaces)');
  }
  if (f.unstable.length) lines.push(`still disagreeing with the simulation at the cap: ${f.unstable.length} cell(s)`);
  const clusterVsSim: string[] = [];
  for (const cell of plan.cells.values()) {
    const r = results.get(cell.key);
    if (!cell.sim || !r || (r.result !== 'connected' && r.result !== 'timeout')) continue;
    const want = cell.sim.verdict === 'allow' ? 'allowed' : 'denied';
    if (!agrees(r.result, want)) {
      const deciding = decidingPolicies(cell.sim);
      clusterVsSim.push(`- ${cell.key}: observed ${r.result}, simulation ${cell.sim.verdict} (${deciding.join(', ') || 'no policy selects either end'})`);
    }
  }
  lines.push('', `cluster vs simulation: ${clusterVsSim.length} disagreement(s)`, ...clusterVsSim);
  const criteriaVsSim: string[] = [];
  for (const c of plan.checks) {
    const cell = c.cell ? plan.cells.get(c.cell) : undefined;
    if (!cell?.sim) continue;
    const sim = cell.sim.verdict === 'allow' ? 'allowed' : 'denied';
    if (sim !== c.expect) criteriaVsSim.push(`- ${c.criterion} ${cell.key}: criterion ${c.expect}, policies ${cell.sim.verdict} (${cell.sim.reason})`);
  }
  lines.push('', `criteria vs simulation: ${criteriaVsSim.length} disagreement(s)`, ...criteriaVsSim);
  return { type: 'text', title, body: lines.join('\n') };
}
