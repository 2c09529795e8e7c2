import type { CellResult } from './classify';
import { agrees } from './classify';
import type { PlanCell } from './plan';
import { simulatedExpectation } from './stable';

/**
 * Validity gates of a matrix measurement (the benchmark reports no figure when any fails):
 * - with no policy (denyPct 0) every cell connects: timeouts there measure an overloaded host or a
 *   broken network, not the prober;
 * - with a policy, enforcement is proven: the matrix became stable (`unstable` empty) and every cell
 *   of the measured round agrees with the simulation (denied cells time out, allowed ones connect).
 * Returns the failed gates (empty: valid).
 */
export function matrixGates(denyPct: number, cells: PlanCell[], results: Map<string, CellResult>, unstable: readonly string[] = []): string[] {
  const gates: string[] = [];
  const connected = cells.filter((c) => results.get(c.key)?.result === 'connected').length;
  if (denyPct === 0 && connected !== cells.length) {
    gates.push(`no-policy matrix not fully connected: ${cells.length - connected} of ${cells.length} cells did not connect`);
  }
  if (denyPct > 0 && unstable.length > 0) gates.push(`enforcement not proven: ${unstable.length} cells never agreed with the simulation`);
  const wrong = cells.filter((c) => !agrees(results.get(c.key)?.result, simulatedExpectation(c)) || !results.has(c.key)).length;
  if (wrong > 0) gates.push(`${wrong} of ${cells.length} cells of the measured round disagree with the simulation`);
  return gates;
}
