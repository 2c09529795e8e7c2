import type { Outcome, Verdict } from '@isoproof/core';
import { VERDICT_EXIT_CODE, countVerdicts, overallVerdict } from '@isoproof/report';
import type { ExitCode, OverlayProof } from '@isoproof/report';
import type { ScenarioResult } from './scenario';

export type { ExitCode };
export const EXIT_PASS = 0;
export const EXIT_FAIL = 1;
export const EXIT_ERROR = 2;

/**
 * The exit-code rule, for one verdict or for a run from its outcomes: 0 when every criterion is PASS
 * (waived FAILs are PASS), 1 when any is FAIL, 2 when none is FAIL but some are INCONCLUSIVE, or when
 * the run errored (`runError`) or produced no outcome at all. A definite FAIL wins over INCONCLUSIVE:
 * it is the actionable finding. A list gets the code of its overall verdict, as its report records it.
 */
export function exitCodeFor(v: Verdict | ReadonlyArray<Verdict | Pick<Outcome, 'verdict'>>, runError = false): ExitCode {
  if (runError) return EXIT_ERROR;
  if (typeof v === 'string') return VERDICT_EXIT_CODE[v];
  return VERDICT_EXIT_CODE[overallVerdict(countVerdicts(v.map((x) => (typeof x === 'string' ? { verdict: x } : x))))];
}

/** Does an overlay run show exactly its seeded violation: `flips` FAIL, everything else PASS? */
export function overlayProof(
  outcomes: Array<Pick<Outcome, 'verdict'> & { criterion: { id: string } }>,
  flips: string[],
): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  const want = new Set(flips);
  const seen = new Set<string>();
  for (const o of outcomes) {
    const id = o.criterion.id;
    seen.add(id);
    const expected: Verdict = want.has(id) ? 'FAIL' : 'PASS';
    if (o.verdict !== expected) problems.push(`${id}: expected ${expected}, got ${o.verdict}`);
  }
  for (const id of flips) if (!seen.has(id)) problems.push(`${id}: named in flips but not a criterion of the scenario`);
  return { ok: problems.length === 0, problems };
}

/** The exit code of a whole run: baseline verdicts, single-overlay verdicts, and overlay proofs. */
export function runExitCode(results: ScenarioResult[], proofs: OverlayProof[], proofMode: boolean): ExitCode {
  if (!proofMode) return exitCodeFor(results.flatMap((r) => r.outcomes));
  const baseline = results.filter((r) => !r.overlay).flatMap((r) => r.outcomes);
  const codes: ExitCode[] = [exitCodeFor(baseline)];
  for (const r of results.filter((x) => x.overlay)) {
    if (r.outcomes.some((x) => x.verdict === 'INCONCLUSIVE')) codes.push(EXIT_ERROR);
  }
  if (proofs.some((p) => !p.ok)) codes.push(1);
  return codes.includes(1) ? 1 : codes.includes(EXIT_ERROR) ? EXIT_ERROR : 0;
}
