import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WaiverError } from '../src/errors';
import { globMatch, loadWaivers, validateWaivers, waiverExpiry, waiverState } from '../src/waivers';

describe('waivers', () => {
  it('glob on check ids', () => {
    expect(globMatch('*', 'anything / at all')).toBe(true);
    expect(globMatch('tenant-a/* -> tenant-b/*:8080/TCP', 'tenant-a/client -> tenant-b/server:8080/TCP')).toBe(true);
    expect(globMatch('tenant-a/* -> tenant-b/*:8080/TCP', 'tenant-a/client -> tenant-b/server:9090/TCP')).toBe(false);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('a.c', 'abc')).toBe(false);
    expect(globMatch('(x)+', '(x)+')).toBe(true);
  });

  it('expiry: end of day UTC for dates, instant for date-times', () => {
    expect(waiverExpiry({ expires: '2026-01-31' }).toISOString()).toBe('2026-01-31T23:59:59.999Z');
    expect(waiverState({ expires: '2026-01-31' }, new Date('2026-01-31T23:59:59Z'))).toBe('active');
    expect(waiverState({ expires: '2026-01-31' }, new Date('2026-02-01T00:00:00Z'))).toBe('expired');
    expect(waiverState({ expires: '2026-01-31T10:00:00+02:00' }, new Date('2026-01-31T08:30:00Z'))).toBe('expired');
    expect(waiverState({ expires: 'someday' }, new Date())).toBe('expired');
    expect(Number.isNaN(waiverExpiry({ expires: '2026-02-31' }).getTime())).toBe(true);
    expect(Number.isNaN(waiverExpiry({ expires: '2026-02-01T10:00:00' }).getTime())).toBe(true);
  });

  it('validates and defaults the selector', () => {
    const w = validateWaivers({ waivers: [{ criterion: 'NET-01', reason: 'r', owner: 'o', expires: '2026-01-01' }] }, 'w.yaml');
    expect(w).toEqual([{ criterion: 'NET-01', selector: '*', reason: 'r', owner: 'o', expires: '2026-01-01' }]);
    expect(validateWaivers(null, 'w.yaml')).toEqual([]);
  });

  it.each<[unknown, string]>([
    [{ waivers: [{ criterion: 'NET-01', reason: 'r', expires: '2026-01-01' }] }, 'w.yaml: waivers[0]: missing required field "owner"'],
    [{ waivers: [{ criterion: 'NET-01', reason: 'r', owner: 'o', expires: 'soon' }] }, 'w.yaml: waivers[0].expires: must be a date YYYY-MM-DD or a date-time with zone (got "soon")'],
    [{ waiver: [] }, 'w.yaml: missing required field "waivers"'],
  ])('rejects %j', (data, msg) => {
    try {
      validateWaivers(data, 'w.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WaiverError);
      expect((e as WaiverError).code).toBe('ISOPROOF_INVALID_WAIVER');
      expect((e as Error).message.startsWith(msg)).toBe(true);
    }
  });

  it('loads a YAML file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoproof-w-'));
    const f = join(dir, 'waivers.yaml');
    await writeFile(f, 'waivers:\n  - criterion: RBAC-LEAST-02\n    selector: "sa/ci *"\n    reason: legacy job\n    owner: bob\n    expires: 2026-12-31\n');
    expect(await loadWaivers(f)).toEqual([
      { criterion: 'RBAC-LEAST-02', selector: 'sa/ci *', reason: 'legacy job', owner: 'bob', expires: '2026-12-31' },
    ]);
  });
});
