import { describe, expect, it } from 'vitest';
import { classifyAuthz } from '../src/classify';
import { combineUpgrades } from '../src/attempt';

const forbidden = (message: string) => ({ status: 403, reason: 'Forbidden', message });

describe('classifyAuthz (status -> outcome)', () => {
  it.each([
    [{ status: 200 }, 'allowed'],
    [{ status: 201 }, 'allowed'],
    [{ status: 101 }, 'allowed'],
    [forbidden('secrets "x" is forbidden: User "system:serviceaccount:a:b" cannot get resource "secrets" in API group "" in the namespace "a"'), 'denied'],
    [forbidden('rolebindings.rbac.authorization.k8s.io "p" is forbidden: user "alice" (groups=["g"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""]}'), 'denied'],
    [forbidden('users "system:admin" is forbidden: User "system:serviceaccount:a:b" cannot impersonate resource "users" in API group "" at the cluster scope'), 'denied'],
    [forbidden('pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged'), 'error'],
    [forbidden('admission webhook "x.example" denied the request: no'), 'error'],
    [{ status: 401, reason: 'Unauthorized', message: 'Unauthorized' }, 'error'],
    [{ status: 404, reason: 'NotFound', message: 'secrets "isoproof-probe-r1" not found' }, 'allowed'],
    [{ status: 404, reason: 'NotFound', message: 'the server could not find the requested resource' }, 'error'],
    [{ status: 409, reason: 'AlreadyExists', message: 'configmaps "x" already exists' }, 'allowed'],
    [{ status: 409, reason: 'Conflict', message: 'the object has been modified' }, 'error'],
    [{ status: 422, reason: 'Invalid', message: 'Pod "x" is invalid' }, 'allowed'],
    [{ status: 400, reason: 'BadRequest', message: 'admission webhook "w" does not support dry run' }, 'error'],
    [{ status: 500, reason: 'InternalError', message: 'boom' }, 'error'],
    [{ status: 503 }, 'error'],
    [{ status: 429 }, 'error'],
  ])('%j -> %s', (answer, outcome) => {
    expect(classifyAuthz(answer).outcome).toBe(outcome);
  });

  it('keeps status line and reason in the result', () => {
    const c = classifyAuthz(forbidden('secrets "x" is forbidden: User "u" cannot get resource "secrets"'));
    expect(c.result).toBe('403 Forbidden: secrets "x" is forbidden: User "u" cannot get resource "secrets"');
  });

  it('401 says the identity is not authenticated', () => {
    expect(classifyAuthz({ status: 401 }).error).toMatch(/identity not authenticated/);
  });

  it('explains why a 404 counts as authorized', () => {
    expect(classifyAuthz({ status: 404, reason: 'NotFound', message: 'pods "p" not found' }).note).toMatch(/authorized/);
  });
});

describe('combineUpgrades (exec/attach/portforward tried over WebSocket and SPDY)', () => {
  const allowed = { outcome: 'allowed' as const, result: '101 Switching Protocols' };
  const denied = { outcome: 'denied' as const, result: '403 Forbidden: pods "p" is forbidden: User "u" cannot get resource "pods/exec"' };
  const error = { outcome: 'error' as const, result: '500 Internal Server Error', error: 'server error' };
  it.each([
    ['both allowed', allowed, allowed, 'allowed'],
    ['WebSocket only', allowed, denied, 'allowed'],
    ['SPDY only', denied, allowed, 'allowed'],
    ['both refused', denied, denied, 'denied'],
    ['refused and error', denied, error, 'error'],
    ['error and refused', error, denied, 'error'],
    ['allowed and error', allowed, error, 'allowed'],
  ] as const)('%s', (_n, ws, spdy, outcome) => {
    expect(combineUpgrades(ws, spdy).outcome).toBe(outcome);
  });
});
