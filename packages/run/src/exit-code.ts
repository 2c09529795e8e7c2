import type { Outcome, Verdict } from '@isoproof/core';

export const EXIT_PASS = 0;
export const EXIT_FAIL = 1;
export const EXIT_ERROR = 2;

/** One implementation of the exit-code rule: @isoproof/report's (the report's exitCode uses it too). */
export { exitCodeFor } from '@isoproof/report';
export type { ExitCode } from '@isoproof/report';

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
