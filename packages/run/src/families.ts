import type { Check, Criterion, Outcome, ProbeContext, ProbeFamily, ProbeKind, ReportSection, Waiver } from '@isoproof/core';
import { codedError, evaluate, IsoproofError, inconclusive } from '@isoproof/core';
import { SETTLE_MS, withTimeout } from './timeout';

/** A scenario whose criteria or families do not fit together. */
export class ScenarioDefinitionError extends codedError('ISOPROOF_INVALID_SCENARIO') {}

export function familyKinds(family: ProbeFamily): ProbeKind[] {
  return Array.isArray(family.kind) ? [...family.kind] : [family.kind];
}

export function familyName(family: ProbeFamily): string {
  return familyKinds(family).join('+');
}

/**
 * Groups criteria by the family that handles their `probe` kind, keeping file order inside each
 * group and the families' order. Throws when a criterion's probe kind has no family in the scenario,
 * or when two families claim the same kind.
 */
export function groupByFamily(
  criteria: Criterion[],
  families: ProbeFamily[],
  source = 'criteria',
): Array<{ family: ProbeFamily; criteria: Criterion[] }> {
  const byKind = new Map<ProbeKind, ProbeFamily>();
  for (const family of families) {
    for (const kind of familyKinds(family)) {
      const other = byKind.get(kind);
      if (other && other !== family) {
        throw new ScenarioDefinitionError(`${source}: probe kind '${kind}' is claimed by two families; keep one`);
      }
      byKind.set(kind, family);
    }
  }
  const groups = new Map<ProbeFamily, Criterion[]>();
  for (const c of criteria) {
    const family = byKind.get(c.probe);
    if (!family) {
      const known = [...byKind.keys()].join(', ') || 'none';
      throw new ScenarioDefinitionError(
        `${source}: ${c.id} uses probe '${c.probe}' but the scenario has no such family (has: ${known}); add the family to the scenario or fix the criterion`,
      );
    }
    let list = groups.get(family);
    if (!list) groups.set(family, (list = []));
    list.push(c);
  }
  return families.filter((f) => groups.has(f)).map((family) => ({ family, criteria: groups.get(family) ?? [] }));
}

/** Validates every criterion's spec with its family; throws one line naming the first problem(s). */
export function validateFamilySpecs(criteria: Criterion[], families: ProbeFamily[], source = 'criteria'): void {
  const problems: string[] = [];
  for (const { family, criteria: list } of groupByFamily(criteria, families, source)) {
    if (!family.validateSpec) continue;
    for (const c of list) {
      for (const msg of family.validateSpec(c)) problems.push(`${c.id}.spec: ${msg}`);
    }
  }
  if (problems.length > 0) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    throw new IsoproofError('ISOPROOF_INVALID_CRITERIA', `${source}: ${problems.slice(0, 3).join('; ')}${more}`);
  }
}

/** What one family produced: checks per criterion id, or the error that stopped it. */
export type FamilyResult =
  | { family: ProbeFamily; criteria: Criterion[]; ok: true; checks: Map<string, Check[]>; durationMs: number }
  | { family: ProbeFamily; criteria: Criterion[]; ok: false; error: string; durationMs: number };

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] || err.name;
  return String(err);
}

/**
 * Runs each family on its criteria, one family at a time, each within `timeoutMs`. A family that
 * throws or times out yields an error result (its criteria become INCONCLUSIVE, never PASS).
 */
export async function runFamilies(
  groups: Array<{ family: ProbeFamily; criteria: Criterion[] }>,
  ctx: ProbeContext,
  timeoutMs: number,
): Promise<FamilyResult[]> {
  const results: FamilyResult[] = [];
  for (const { family, criteria } of groups) {
    const started = Date.now();
    const name = familyName(family);
    ctx.log(`probe family ${name}: ${criteria.length} criteria`);
    try {
      const checks = await withTimeout(
        `probe family ${name}`,
        timeoutMs,
        (signal) => family.run(criteria, { ...ctx, signal }),
        ctx.signal,
        { settleMs: SETTLE_MS },
      );
      if (!(checks instanceof Map)) throw new Error(`probe family ${name} returned ${typeof checks}, not a Map of checks`);
      results.push({ family, criteria, ok: true, checks, durationMs: Date.now() - started });
    } catch (err) {
      const error = errorMessage(err);
      ctx.log(`probe family ${name} failed: ${error}`);
      results.push({ family, criteria, ok: false, error, durationMs: Date.now() - started });
    }
  }
  return results;
}

/** A criterion the probes could not decide is INCONCLUSIVE, never PASS; core's evaluation still
 * gets the last word on waivers (an expired waiver makes it FAIL). */
export function undecided(c: Criterion, reason: string, evaluate: (c: Criterion, checks: Check[]) => Outcome): Outcome {
  const byWaiver = evaluate(c, []);
  return byWaiver.verdict === 'FAIL' ? byWaiver : inconclusive(c, reason);
}

/**
 * Turns family results into outcomes in criteria order. `evaluate` is core's evaluation (with the
 * waivers bound). A failed family, or a criterion the family returned no checks for, is INCONCLUSIVE.
 */
export function outcomesFrom(
  criteria: Criterion[],
  results: FamilyResult[],
  evaluate: (c: Criterion, checks: Check[]) => Outcome,
): Outcome[] {
  const byId = new Map<string, FamilyResult>();
  for (const r of results) for (const c of r.criteria) byId.set(c.id, r);
  return criteria.map((c) => {
    const r = byId.get(c.id);
    if (!r) return undecided(c, 'no probe family ran for this criterion', evaluate);
    if (!r.ok) return undecided(c, `probe family ${familyName(r.family)} failed: ${r.error}`, evaluate);
    // No checks at all is INCONCLUSIVE in core's evaluation (an expired waiver still makes it FAIL).
    const checks = r.checks.get(c.id) ?? [];
    try {
      return evaluate(c, checks);
    } catch (err) {
      return inconclusive(c, `evaluation failed: ${errorMessage(err)}`);
    }
  });
}

/** Extra report sections of every family; a family whose sections() throws contributes a note. */
export function collectSections(families: ProbeFamily[]): ReportSection[] {
  const out: ReportSection[] = [];
  for (const f of families) {
    if (!f.sections) continue;
    try {
      out.push(...f.sections());
    } catch (err) {
      out.push({ type: 'text', title: `${familyName(f)} sections`, body: `could not render: ${errorMessage(err)}` });
    }
  }
  return out;
}

/**
 * Outcomes of a scenario run that failed as a whole (apply, readiness...): every criterion is
 * undecided, INCONCLUSIVE, except that core's evaluation keeps the last word on waivers (an expired
 * waiver still makes it FAIL), as for a failed probe family.
 */
export function failedRunOutcomes(criteria: Criterion[], message: string, waivers: Waiver[]): Outcome[] {
  return criteria.map((c) => undecided(c, `scenario run failed: ${message}`, (x, checks) => evaluate(x, checks, { waivers })));
}
