import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Waiver } from '@isoproof/core';
import { checkArtifactsDir, checkWaiverCriteria, closestId } from '../src/inputs';

const tmp = mkdtempSync(join(tmpdir(), 'isoproof-inputs-'));
const file = join(tmp, 'a-file');
writeFileSync(file, 'x');
const isRoot = process.getuid?.() === 0;
const locked = join(tmp, 'locked');
mkdirSync(locked, { mode: 0o555 });

describe('checkArtifactsDir: unusable directories are named with the fix, before any cluster work', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a file', file, /^--artifacts .*a-file: is a file, not a directory; name a directory with --artifacts DIR$/],
    ['under a file', join(file, 'sub'), /^--artifacts .*a-file\/sub: a parent of it is a file, not a directory; name a directory with --artifacts DIR$/],
    ['deeper under a file', join(file, 'a', 'b'), /a parent of it is a file/],
    // /sys refuses writes even to root: a real unwritable directory on any Linux host.
    ['not creatable', '/sys/isoproof-artifacts', /^--artifacts \/sys\/isoproof-artifacts: cannot be created \(permission denied\); name a directory you can write with --artifacts DIR$/],
    ['existing, not writable', '/sys/kernel', /^--artifacts \/sys\/kernel: is not writable \(permission denied\); fix its permissions or name another directory with --artifacts DIR$/],
  ];
  if (!isRoot) cases.push(['mode 0555 (not root)', locked, /is not writable \(permission denied\)/]);
  for (const [what, dir, want] of cases) {
    it(what, async () => {
      const err = await checkArtifactsDir(dir).then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
      expect(err?.message).toMatch(want);
      expect(err?.code).toBe('ISOPROOF_ARTIFACTS_DIR');
    });
  }
  it('creates a missing directory and leaves no probe file behind', async () => {
    const dir = join(tmp, 'new', 'deep');
    expect(await checkArtifactsDir(dir)).toBe(dir);
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('checkWaiverCriteria: a waiver must name a known criterion', () => {
  const known = ['NET-TENANT-01', 'NET-TENANT-02', 'NET-TENANT-05', 'RBAC-TENANT-01', 'POD-SEC-01', 'NET-SEG-07'];
  const w = (criterion: string): Waiver => ({ criterion, selector: '*', reason: 'r', owner: 'o', expires: '2099-01-01' });
  const cases: Array<[string, Waiver[], string | undefined]> = [
    ['all known', [w('NET-TENANT-01'), w('POD-SEC-01')], undefined],
    ['unknown number', [w('NET-TENANT-01'), w('NET-TENANT-99')], "/w.yaml: waivers[1].criterion NET-TENANT-99 is not a criterion of any scenario; did you mean NET-TENANT-01? (see 'isoproof list')"],
    ['typo in the prefix', [w('NET-TENNAT-02')], 'did you mean NET-TENANT-02?'],
    ['wrong family', [w('RBAC-TENANT-05')], 'did you mean RBAC-TENANT-01?'],
    ['several unknown', [w('X-1'), w('NET-SEG-70')], '(1 more unknown)'],
  ];
  for (const [what, waivers, want] of cases) {
    it(what, () => {
      const run = () => checkWaiverCriteria(waivers, known, '/w.yaml');
      if (want === undefined) expect(run).not.toThrow();
      else {
        expect(run).toThrow(want);
        expect(run).toThrow(expect.objectContaining({ code: 'ISOPROOF_INVALID_WAIVER' }));
      }
    });
  }
  it('closestId prefers the same prefix on ties', () => {
    expect(closestId('NET-TENANT-03', known)).toBe('NET-TENANT-01');
    expect(closestId('POD-SEC-1', known)).toBe('POD-SEC-01');
    expect(closestId('x', [])).toBeUndefined();
  });
});
