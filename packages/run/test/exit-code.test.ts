import { describe, expect, it } from 'vitest';
import type { Verdict } from '@isoproof/core';
import { countVerdicts, overallVerdict } from '@isoproof/report';
import { exitCodeFor, overlayProof } from '../src/exit-code';

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

describe('exitCodeFor (the one exit-code rule)', () => {
  it.each([
    ['PASS', 0],
    ['FAIL', 1],
    ['INCONCLUSIVE', 2],
  ] as Array<[Verdict, number]>)('verdict %s -> %i', (v, code) => {
    expect(exitCodeFor(v)).toBe(code);
    expect(exitCodeFor(v, true)).toBe(2);
  });

  it.each([[[]], [['PASS']], [['PASS', 'FAIL']], [['INCONCLUSIVE', 'PASS']], [['FAIL', 'INCONCLUSIVE']]] as Array<[Verdict[]]>)(
    'a list %j gives the code of its overall verdict',
    (vs) => {
      const counts = countVerdicts(vs.map((verdict) => ({ verdict })));
      expect(exitCodeFor(vs)).toBe(exitCodeFor(overallVerdict(counts)));
    },
  );
});

describe('overlayProof', () => {
  const o = (id: string, verdict: Verdict) => ({ criterion: { id }, verdict });
  it('holds when exactly the flips FAIL', () => {
    expect(overlayProof([o('A-01', 'FAIL'), o('B-01', 'PASS')], ['A-01'])).toEqual({ ok: true, problems: [] });
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
  });
});
