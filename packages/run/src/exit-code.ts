import type { Outcome, Verdict } from '@isoproof/core';

export const EXIT_PASS = 0;
export const EXIT_FAIL = 1;
export const EXIT_ERROR = 2;

export type ExitCode = typeof EXIT_PASS | typeof EXIT_FAIL | typeof EXIT_ERROR;

/**
 * The exit code of a run from its outcomes: 0 when every criterion is PASS (waived FAILs are PASS),
 * 1 when any is FAIL, 2 when none is FAIL but some are INCONCLUSIVE, or when the run errored or
 * produced no outcome at all. A definite FAIL wins over INCONCLUSIVE: it is the actionable finding.
 */
export function exitCodeFor(verdicts: Array<Verdict | Pick<Outcome, 'verdict'>>, runError = false): ExitCode {
  if (runError) return EXIT_ERROR;
  const vs = verdicts.map((v) => (typeof v === 'string' ? v : v.verdict));
  if (vs.length === 0) return EXIT_ERROR;
  if (vs.includes('FAIL')) return EXIT_FAIL;
  if (vs.includes('INCONCLUSIVE')) return EXIT_ERROR;
  return EXIT_PASS;
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

/** The overall verdict of an overlay proof, as the release gate reads it. */
export function overlayProofVerdict(
  outcomes: Array<Pick<Outcome, 'verdict'> & { criterion: { id: string } }>,
  flips: string[],
): Verdict {
  if (outcomes.some((o) => o.verdict === 'INCONCLUSIVE')) return 'INCONCLUSIVE';
  return overlayProof(outcomes, flips).ok ? 'PASS' : 'FAIL';
}
