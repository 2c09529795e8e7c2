import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '@isoproof/core';
import { DEFAULT_TOOL, countVerdicts, exitCodeFor, overallVerdict, toolVersion } from '../src/model';

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

describe('toolVersion', () => {
  it('is the package version and the default tool version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(toolVersion()).toBe(pkg.version);
    expect(DEFAULT_TOOL).toEqual({ name: 'isoproof', version: pkg.version });
  });
});
