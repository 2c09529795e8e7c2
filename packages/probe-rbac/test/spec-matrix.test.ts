import { describe, expect, it } from 'vitest';
import type { Criterion } from '@isoproof/core';
import { cellKey, cellSymbol, MATRIX_ROWS, matrixAttempts, matrixSection } from '../src/matrix';
import { userInfoOf } from '@isoproof/kube';
import { validateRbacSpec } from '../src/spec';
import { homeNamespace } from '../src/family';

const crit = (spec: Record<string, unknown>): Criterion => ({ id: 'RBAC-X-01', title: 't', seed: 's', probe: 'rbac', vantage: 'v', expectation: 'e', spec });
const sa = { kind: 'ServiceAccount', namespace: 'shop', name: 'orders-sa' };

describe('validateRbacSpec', () => {
  it('accepts a deny with a control', () => {
    expect(validateRbacSpec(crit({ identity: sa, expect: 'denied', attempts: [{ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'x' }], control: { verb: 'get', resource: 'configmaps', namespace: 'shop' } }))).toEqual([]);
  });
  it('a deny without control is refused: no control, no PASS', () => {
    expect(validateRbacSpec(crit({ identity: sa, expect: 'denied', attempts: [{ verb: 'get', resource: 'secrets', namespace: 'shop' }] })).join()).toMatch(/control/);
  });
  it.each([
    [{ identity: { kind: 'User', name: 'system:admin' }, expect: 'allowed', attempts: [{ verb: 'list', resource: 'pods', namespace: 'a' }] }, /never probe as the admin/],
    [{ identity: { kind: 'Group', name: 'system:masters' }, expect: 'allowed', attempts: [{ verb: 'list', resource: 'pods', namespace: 'a' }] }, /system:masters/],
    [{ identity: sa, expect: 'allowed', attempts: [{ verb: 'frobnicate', resource: 'pods', namespace: 'a' }] }, /verb/],
    [{ identity: sa, expect: 'allowed', attempts: [{ verb: 'get', resource: 'widgets', namespace: 'a' }] }, /unknown resource/],
    [{ identity: sa, expect: 'allowed', attempts: [{ verb: 'get', resource: 'secrets' }] }, /namespaced/],
    [{ identity: sa, expect: 'allowed', attempts: [{ verb: 'bind', resource: 'roles', namespace: 'a' }] }, /bind works on/],
    [{ identity: sa, expect: 'maybe', attempts: [{ verb: 'get', resource: 'pods', namespace: 'a' }] }, /expect/],
    [{ identity: sa, expect: 'allowed', attempts: [] }, /non-empty/],
  ])('%j is refused', (spec, msg) => {
    expect(validateRbacSpec(crit(spec)).join('; ')).toMatch(msg);
  });
});

describe('userInfoOf', () => {
  it('ServiceAccounts get their groups', () => {
    expect(userInfoOf({ kind: 'ServiceAccount', namespace: 'a', name: 'b' })).toEqual({ user: 'system:serviceaccount:a:b', groups: ['system:serviceaccounts', 'system:serviceaccounts:a', 'system:authenticated'] });
  });
});

describe('access matrix', () => {
  it('has one attempt per probed cell', () => {
    const cells = matrixAttempts('shop');
    expect(cells.length).toBe(MATRIX_ROWS.reduce((n, r) => n + r.verbs.length, 0));
    expect(cells.find((c) => c.verb === 'exec')?.attempt).toEqual({ verb: 'exec', resource: 'pods', namespace: 'shop' });
    expect(cells.find((c) => c.resource === 'serviceaccounts/token')?.attempt.name).toBe('default');
  });
  it('cell keys ignore names and unify exec', () => {
    expect(cellKey({ verb: 'get', resource: 'secrets', namespace: 'shop' })).toBe(cellKey({ verb: 'get', resource: 'secrets', namespace: 'shop', name: 'x' } as never));
    expect(cellKey({ verb: 'exec', resource: 'pods', namespace: 'shop' })).toBe('pods|exec|shop');
  });
  it('highlights forbidden-but-allowed cells and disagreements', () => {
    expect(cellSymbol({ resource: 'secrets', verb: 'get', state: 'allowed', forbidden: true, disagreement: false })).toBe('✓!');
    expect(cellSymbol({ resource: 'secrets', verb: 'get', state: 'denied', forbidden: true, disagreement: true })).toBe('·≠');
    expect(cellSymbol({ resource: 'secrets', verb: 'get', state: 'error', forbidden: false, disagreement: false })).toBe('?');
  });
  it('builds a grid with blanks for unprobed cells', () => {
    const s = matrixSection('alice', 'a', [{ resource: 'pods/log', verb: 'get', state: 'allowed', forbidden: false, disagreement: false }]);
    expect(s.type).toBe('grid');
    if (s.type !== 'grid') return;
    const row = s.rowLabels.indexOf('pods/log');
    expect(s.cells[row]![s.colLabels.indexOf('get')]).toBe('✓');
    expect(s.cells[row]![s.colLabels.indexOf('list')]).toBe('');
  });
  it('home namespace: the SA namespace, else homeNamespace, else the control namespace', () => {
    expect(homeNamespace({ kind: 'ServiceAccount', namespace: 'x', name: 'y' }, [])).toBe('x');
    const u = { kind: 'User' as const, name: 'alice' };
    expect(homeNamespace(u, [{ identity: u, expect: 'denied', attempts: [{ verb: 'get', resource: 'pods', namespace: 'b' }], control: { verb: 'list', resource: 'pods', namespace: 'a' } }])).toBe('a');
  });
});
