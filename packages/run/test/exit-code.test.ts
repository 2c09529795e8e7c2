import { describe, expect, it } from 'vitest';
import type { Verdict } from '@isoproof/core';
import { exitCodeFor, overlayProof, overlayProofVerdict } from '../src/exit-code';

describe('exitCodeFor', () => {
  const table: Array<[Verdict[], boolean, number]> = [
    [['PASS'], false, 0],
    [['PASS', 'PASS', 'PASS'], false, 0],
    [['PASS', 'FAIL'], false, 1],
    [['FAIL', 'INCONCLUSIVE'], false, 1],
    [['PASS', 'INCONCLUSIVE'], false, 2],
    [['INCONCLUSIVE'], false, 2],
    [[], false, 2],
    [['PASS'], true, 2],
    [['FAIL'], true, 2],
  ];
  it.each(table)('%j (run error %s) -> %i', (verdicts, runError, code) => {
    expect(exitCodeFor(verdicts, runError)).toBe(code);
    expect(exitCodeFor(verdicts.map((verdict) => ({ verdict })), runError)).toBe(code);
  });
});

describe('overlayProof', () => {
  const o = (id: string, verdict: Verdict) => ({ criterion: { id }, verdict });
  it('holds when exactly the flips FAIL', () => {
    expect(overlayProof([o('A-01', 'FAIL'), o('B-01', 'PASS')], ['A-01'])).toEqual({ ok: true, problems: [] });
    expect(overlayProofVerdict([o('A-01', 'FAIL'), o('B-01', 'PASS')], ['A-01'])).toBe('PASS');
  });
  it('names a flip that stayed PASS and a collateral FAIL', () => {
    const r = overlayProof([o('A-01', 'PASS'), o('B-01', 'FAIL')], ['A-01']);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(['A-01: expected FAIL, got PASS', 'B-01: expected PASS, got FAIL']);
  });
  it('flags flips that are not criteria, and INCONCLUSIVE', () => {
    expect(overlayProof([o('A-01', 'FAIL')], ['A-01', 'Z-09']).problems).toEqual([
      'Z-09: named in flips but not a criterion of the scenario',
    ]);
    expect(overlayProofVerdict([o('A-01', 'FAIL'), o('B-01', 'INCONCLUSIVE')], ['A-01'])).toBe('INCONCLUSIVE');
    expect(overlayProofVerdict([o('A-01', 'PASS')], ['A-01'])).toBe('FAIL');
  });
});
