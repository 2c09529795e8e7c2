import type { CellResult } from './classify';
import { agrees } from './classify';
import type { PlanCell, ProbePlan } from './plan';

export interface StableOptions {
  /** Re-probes the given cells (only the wrong ones are passed). */
  probe: (cells: PlanCell[]) => Promise<Map<string, CellResult>>;
  /** Results of a first round already run; when absent the first round probes every cell. */
  initial?: Map<string, CellResult>;
  /**
   * What each cell should show once the policies are enforced. Default: the simulation of the current
   * policies (cells without a simulation are never re-probed).
   */
  expected?: (cell: PlanCell) => 'allowed' | 'denied' | undefined;
  intervalMs?: number;
  capMs?: number;
  /** Epoch ms the change was made (time-to-enforce is measured from here). Default: now. */
  since?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

export interface StableResult {
  results: Map<string, CellResult>;
  /** Probe rounds run (the first included). */
  rounds: number;
  /** Per cell: ms from `since` until the start of the probe round that first agreed (when the probe was sent). */
  timeToEnforceMs: Map<string, number>;
  /** Cells still wrong at the cap. */
  unstable: string[];
  elapsedMs: number;
}

export function simulatedExpectation(cell: PlanCell): 'allowed' | 'denied' | undefined {
  if (!cell.sim) return undefined;
  return cell.sim.verdict === 'allow' ? 'allowed' : 'denied';
}

/**
 * Poll until stable after a policy change: probes, then re-probes only the cells that disagree with
 * their expectation, every `intervalMs`, until none disagree or `capMs` is spent. No blind retries: a
 * cell that agrees is never probed again. Records time-to-enforce per cell.
 */
export async function waitStable(plan: ProbePlan, o: StableOptions): Promise<StableResult> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const intervalMs = o.intervalMs ?? 500;
  const capMs = o.capMs ?? 10_000;
  const expected = o.expected ?? simulatedExpectation;
  const since = o.since ?? now();
  const start = now();
  const cells = [...plan.cells.values()];
  const results = new Map<string, CellResult>();
  const tte = new Map<string, number>();
  let rounds = 0;

  const record = (batch: Map<string, CellResult>, roundStart: number) => {
    for (const [k, r] of batch) {
      results.set(k, r);
      const cell = plan.cells.get(k);
      if (cell && expected(cell) && agrees(r.result, expected(cell)) && !tte.has(k)) {
        tte.set(k, Math.max(0, roundStart - since));
      }
    }
  };

  if (o.initial) {
    record(o.initial, start);
  } else {
    rounds++;
    record(await o.probe(cells), start);
  }
  // The controls of a re-probed deny are re-probed with it: a deny and its controls come from one round.
  const companions = new Map<string, string[]>();
  for (const check of plan.checks) {
    if (!check.cell) continue;
    const keys = [...(check.controls ?? []).map((c) => c.key), ...(check.control ? [check.control] : [])];
    if (keys.length) companions.set(check.cell, [...(companions.get(check.cell) ?? []), ...keys]);
  }
  const disagree = () => cells.filter((c) => !agrees(results.get(c.key)?.result, expected(c)));
  const wrong = () => {
    const bad = disagree();
    const keys = new Set(bad.map((c) => c.key));
    for (const c of bad) for (const k of companions.get(c.key) ?? []) keys.add(k);
    return cells.filter((c) => keys.has(c.key));
  };
  let pending = wrong();
  while (pending.length > 0 && now() - start + intervalMs <= capMs && !o.signal?.aborted) {
    await sleep(intervalMs);
    const roundStart = now();
    rounds++;
    record(await o.probe(pending), roundStart);
    pending = wrong();
  }
  return { results, rounds, timeToEnforceMs: tte, unstable: disagree().map((c) => c.key), elapsedMs: now() - start };
}

/** The p-th percentile (0..100) of values, nearest-rank. undefined for no values. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}
