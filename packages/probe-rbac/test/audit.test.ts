import { describe, expect, it } from 'vitest';
import { eventMatches, parseAuditLines } from '../src/audit-log';

const ev = {
  kind: 'Event',
  auditID: 'a1',
  stage: 'ResponseComplete',
  verb: 'get',
  user: { username: 'system:admin' },
  impersonatedUser: { username: 'alice' },
  objectRef: { resource: 'secrets', namespace: 'shop', name: 'isoproof-audit-0-r1' },
  responseStatus: { code: 403 },
};

describe('audit log matching', () => {
  it('parses JSON lines and skips partial ones', () => {
    const text = `${JSON.stringify(ev)}\nnot json\n{"kind":"Event","verb":"li`;
    expect(parseAuditLines(text)).toHaveLength(1);
  });
  it('matches the impersonated user, verb, object and code', () => {
    const m = { verb: 'get', resource: 'secrets', namespace: 'shop', name: 'isoproof-audit-0-r1', username: 'alice', code: 403 };
    expect(eventMatches(ev, m)).toBe(true);
    expect(eventMatches(ev, { ...m, username: 'bob' })).toBe(false);
    expect(eventMatches(ev, { ...m, name: 'other' })).toBe(false);
    expect(eventMatches(ev, { ...m, code: 200 })).toBe(false);
    expect(eventMatches({ ...ev, impersonatedUser: undefined, user: { username: 'alice' } }, m)).toBe(true);
  });
});
