import { describe, expect, it } from 'vitest';
import { answerOf, isAuthorizerDenial, isPodSecurityDenial } from '../src/api-answer';
import { real403 as real } from '../src/testing';

/** The answer as the probes build it: from the status code and the parsed body. */
const ans = (b: { code: number }) => answerOf(b.code, b);

describe('isAuthorizerDenial / isPodSecurityDenial', () => {
  it('tell the authorizer from Pod Security', () => {
    expect(isAuthorizerDenial(ans(real.rbacExec))).toBe(true);
    expect(isAuthorizerDenial(ans(real.podSecurityHostNetwork))).toBe(false);
    expect(isPodSecurityDenial(ans(real.podSecurityHostNetwork))).toBe(true);
    expect(isPodSecurityDenial(ans(real.rbacExec))).toBe(false);
  });
  it('a user name with an escaped quote still reads as the authorizer', () => {
    expect(isAuthorizerDenial({ status: 403, reason: 'Forbidden', message: 'secrets is forbidden: User "we\\"ird" cannot list resource "secrets" in API group "" in the namespace "a"' })).toBe(true);
  });
  it('a message merely mentioning "cannot" is not the authorizer', () => {
    expect(isAuthorizerDenial({ status: 403, reason: 'Forbidden', message: 'the gateway cannot forward resource requests' })).toBe(false);
  });
});

describe('answerOf', () => {
  it('reads a Status body', () => {
    expect(answerOf(403, { kind: 'Status', reason: 'Forbidden', message: 'm' })).toEqual({ status: 403, reason: 'Forbidden', message: 'm' });
  });
  it('never copies an object body (it may hold secret data)', () => {
    expect(answerOf(200, { kind: 'Secret', data: { password: 'c2VjcmV0' } })).toEqual({ status: 200 });
  });
  it('takes the first line of a text body', () => {
    expect(answerOf(500, 'oops\nmore')).toEqual({ status: 500, message: 'oops' });
  });
});
