import type { Check, CheckResult, Criterion, Observation, Outcome, Verdict, Waiver } from './model';
import { globMatch, waiverState } from './waivers';

/**
 * Evaluation rules (one Check -> one CheckResult; a criterion's CheckResults -> one Outcome).
 *
 * Per check, in this order:
 *  1. observation outcome 'error'                        -> INCONCLUSIVE "probe error: ..."
 *  2. result contrary to the expectation                  -> FAIL (a proven violation needs no control:
 *     expect denied but allowed; expect allowed but denied; expect holds but violated)
 *  3. expect 'denied' and observed 'denied':
 *       no control                                        -> INCONCLUSIVE "no control"
 *       control outcome 'error'                           -> INCONCLUSIVE "control error: ..."
 *       control not 'allowed'                             -> INCONCLUSIVE "control failed: the probe could not have succeeded"
 *       control 'allowed'                                 -> PASS
 *  4. expected outcome seen (allowed / holds)            -> PASS
 *  5. any other outcome (e.g. 'holds' for a deny check)   -> INCONCLUSIVE "unexpected observation"
 *
 * Per criterion:
 *  - no checks                                            -> INCONCLUSIVE "no observation"
 *  - an active waiver of this criterion whose selector (glob on Check.id) matches turns that FAIL
 *    check into PASS (waived: true); it never touches INCONCLUSIVE checks.
 *  - precedence: FAIL beats INCONCLUSIVE beats PASS (a proven violation stands even when other checks
 *    could not tell).
 *  - an EXPIRED waiver for this criterion makes it FAIL whatever the checks say ("waiver expired
 *    <date>, <owner>"): stale exceptions must be renewed or removed.
 */
export interface EvaluateOptions {
  waivers?: Waiver[];
  now?: Date;
}

function describe(o: Observation): string {
  return o.result ? `${o.outcome} (${o.result})` : o.outcome;
}

/** The verdict and reason of one check, before waivers. */
export function evaluateCheck(check: Check): { verdict: Verdict; reason: string } {
  const { observation: obs, control, expect } = check;
  const id = check.id;
  if (obs.outcome === 'error') {
    return { verdict: 'INCONCLUSIVE', reason: `${id}: probe error: ${obs.error ?? obs.result ?? 'unknown error'}` };
  }
  const contrary =
    (expect === 'denied' && obs.outcome === 'allowed') ||
    (expect === 'allowed' && obs.outcome === 'denied') ||
    (expect === 'holds' && obs.outcome === 'violated');
  if (contrary) {
    return { verdict: 'FAIL', reason: `${id}: expected ${expect}, observed ${describe(obs)}` };
  }
  if (expect === 'denied' && obs.outcome === 'denied') {
    if (!control) {
      return { verdict: 'INCONCLUSIVE', reason: `${id}: no control: a denial without a successful positive twin proves nothing` };
    }
    if (control.outcome === 'error') {
      return { verdict: 'INCONCLUSIVE', reason: `${id}: control error: ${control.error ?? control.result ?? 'unknown error'}` };
    }
    if (control.outcome !== 'allowed') {
      return {
        verdict: 'INCONCLUSIVE',
        reason: `${id}: control failed: the probe could not have succeeded (control ${describe(control)})`,
      };
    }
    return { verdict: 'PASS', reason: `${id}: denied (${obs.result}); control allowed (${control.result})` };
  }
  if (expect === obs.outcome) {
    return { verdict: 'PASS', reason: `${id}: ${describe(obs)} as expected` };
  }
  return {
    verdict: 'INCONCLUSIVE',
    reason: `${id}: unexpected observation ${describe(obs)} for a check expecting ${expect}`,
  };
}

/** The criterion fields an Outcome carries (no spec). */
export function criterionSummary(c: Criterion): Outcome['criterion'] {
  const h: Outcome['criterion'] = {
    id: c.id,
    title: c.title,
    seed: c.seed,
    probe: c.probe,
    vantage: c.vantage,
    expectation: c.expectation,
  };
  if (c.severity) h.severity = c.severity;
  return h;
}

function summarise(verdict: Verdict, results: CheckResult[]): string {
  const n = results.length;
  const of = (v: Verdict) => results.filter((r) => r.verdict === v);
  if (verdict === 'FAIL') {
    const f = of('FAIL');
    const shown = f.slice(0, 3).map((r) => r.reason).join('; ');
    return `${f.length} of ${n} check(s) failed: ${shown}${f.length > 3 ? `; +${f.length - 3} more` : ''}`;
  }
  if (verdict === 'INCONCLUSIVE') {
    const i = of('INCONCLUSIVE');
    const shown = i.slice(0, 2).map((r) => r.reason).join('; ');
    return `${i.length} of ${n} check(s) inconclusive: ${shown}${i.length > 2 ? `; +${i.length - 2} more` : ''}`;
  }
  const waived = results.filter((r) => r.waived).length;
  return `all ${n} check(s) passed${waived ? ` (${waived} waived)` : ''}`;
}

/** Evaluates a criterion's checks into its Outcome (see the rules above). */
export function evaluate(criterion: Criterion, checks: Check[], opts: EvaluateOptions = {}): Outcome {
  const now = opts.now ?? new Date();
  const header = criterionSummary(criterion);
  const mine = (opts.waivers ?? []).filter((w) => w.criterion === criterion.id);
  const expired = mine.find((w) => waiverState(w, now) === 'expired');
  const active = mine.filter((w) => waiverState(w, now) === 'active');

  const results: CheckResult[] = checks.map((c) => {
    const { verdict, reason } = evaluateCheck(c);
    return { ...c, verdict, reason };
  });

  let usedWaiver: Waiver | undefined;
  if (!expired) {
    for (const r of results) {
      if (r.verdict !== 'FAIL') continue;
      const w = active.find((a) => globMatch(a.selector, r.id));
      if (!w) continue;
      r.verdict = 'PASS';
      r.waived = true;
      r.reason = `${r.reason} [waived by ${w.owner} until ${w.expires}: ${w.reason}]`;
      usedWaiver ??= w;
    }
  }

  let verdict: Verdict;
  let reason: string;
  if (results.length === 0) {
    verdict = 'INCONCLUSIVE';
    reason = 'no observation: the probe family returned no check for this criterion';
  } else if (results.some((r) => r.verdict === 'FAIL')) {
    verdict = 'FAIL';
    reason = summarise('FAIL', results);
  } else if (results.some((r) => r.verdict === 'INCONCLUSIVE')) {
    verdict = 'INCONCLUSIVE';
    reason = summarise('INCONCLUSIVE', results);
  } else {
    verdict = 'PASS';
    reason = summarise('PASS', results);
  }

  const outcome: Outcome = { criterion: header, verdict, reason, checks: results };
  if (expired) {
    outcome.verdict = 'FAIL';
    outcome.reason = `waiver expired ${expired.expires}, ${expired.owner} (${expired.reason}); checks: ${reason}`;
    outcome.waiver = { ...expired, state: 'expired' };
  } else if (usedWaiver) {
    outcome.waiver = { ...usedWaiver, state: 'active' };
  }
  return outcome;
}

/** An INCONCLUSIVE outcome for a criterion whose family could not run at all (e.g. spec invalid). */
export function inconclusive(criterion: Criterion, reason: string): Outcome {
  return { criterion: criterionSummary(criterion), verdict: 'INCONCLUSIVE', reason, checks: [] };
}
