import { describe, expect, it } from 'vitest';
import { answerOf, isAuthorizerDenial } from '@isoproof/kube';
import { bindAnswer, classifyAuthz, scopeImpersonation } from '../src/classify';
import { real403 as real } from '@isoproof/kube/testing';

/** The answer as the probes build it: from the status code and the parsed body. */
const ans = (b: { code: number }) => answerOf(b.code, b);

// Answers that are NOT Kubernetes Status bodies: what a proxy, gateway or load balancer in front of
// the API server may send. Synthetic (no such component exists on the local cluster).
const proxyHtml = answerOf(403, '<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body><center><h1>403 Forbidden</h1></center></body></html>', '');
const emptyBody = answerOf(403, '', '');
const plainText = answerOf(403, 'Forbidden: access denied by gateway policy\nrequest id 42', '');
// A Status that looks like the authorizer but is not a Forbidden Status (wrong reason).
const fakeReason = { status: 403, reason: 'Unknown', message: 'User "alice" cannot get resource "secrets"' };
// A JSON 403 that is not a Status (e.g. an API gateway's own error object).
const gatewayJson = answerOf(403, { error: 'forbidden', message: 'User "alice" cannot get resource "secrets"' }, '');
// Admission webhook refusal, in the apiserver's format (no webhook is installed on the local cluster).
const webhook = { status: 403, reason: 'Forbidden', message: 'admission webhook "policy.example.com" denied the request: images must come from the internal registry' };

describe('classifyAuthz on real API server answers', () => {
  it.each([
    ['RBAC: create deployments', real.rbacCreateDeployment, 'denied'],
    ['RBAC: list namespaces at the cluster scope', real.rbacListNamespacesClusterScope, 'denied'],
    ['RBAC: pods/exec', real.rbacExec, 'denied'],
    ['RBAC: serviceaccounts/token', real.rbacTokenRequest, 'denied'],
    ['RBAC: impersonate users', real.rbacImpersonate, 'denied'],
    ['RBAC: non-resource path', real.rbacNonResourcePath, 'denied'],
    ['RBAC escalation prevention', real.rbacEscalation, 'denied'],
    ['Node authorizer', real.nodeAuthorizer, 'denied'],
    ['Pod Security', real.podSecurityHostNetwork, 'error'],
    ['ResourceQuota exceeded', real.quotaExceeded, 'error'],
    ['ResourceQuota must specify', real.quotaMustSpecify, 'error'],
    ['LimitRange', real.limitRangeMax, 'error'],
    ['namespace being terminated', real.namespaceTerminating, 'error'],
  ] as const)('%s -> %s', (_n, body, outcome) => {
    expect(classifyAuthz(ans(body)).outcome).toBe(outcome);
  });

  it.each([
    ['a proxy HTML page', proxyHtml, '403 not from the authorizer: <html>'],
    ['an empty body', emptyBody, '403 not from the authorizer: (no message)'],
    ['a plain text body', plainText, '403 not from the authorizer: Forbidden: access denied by gateway policy'],
    ['a Status whose reason is not Forbidden', fakeReason, '403 not from the authorizer: User "alice" cannot get resource "secrets"'],
    ['a JSON body that is not a Status', gatewayJson, '403 not from the authorizer: (no message)'],
  ] as const)('403 from %s is error, never denied', (_n, a, error) => {
    const c = classifyAuthz(a);
    expect(c.outcome).toBe('error');
    expect(c.error).toBe(error);
  });

  it('an admission 403 is an error that quotes the admission message', () => {
    const c = classifyAuthz(ans(real.quotaExceeded));
    expect(c.error).toBe(`refused by admission, not by authorization: ${real.quotaExceeded.message}`);
    expect(c.result).toBe(`403 Forbidden: ${real.quotaExceeded.message}`);
  });

  it('a webhook 403 is an admission error', () => {
    expect(classifyAuthz(webhook).error).toMatch(/^refused by admission, not by authorization: admission webhook/);
  });

  it('keeps the whole escalation message (rules held back) in the result', () => {
    expect(classifyAuthz(ans(real.rbacEscalation)).result).toContain('{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
  });
});

describe('whole real response bodies, parsed as the probes parse them', () => {
  const parsed = (b: { status: number; text: string }) => answerOf(b.status, JSON.parse(b.text) as unknown, b.text);
  it.each([
    ['RBAC get secret', real.rawBodies.rbacGetSecret, 'denied'],
    ['Pod Security', real.rawBodies.podSecurity, 'error'],
    ['ResourceQuota', real.rawBodies.quota, 'error'],
    ['ValidatingAdmissionPolicy (reason Forbidden)', real.rawBodies.vap, 'error'],
  ] as const)('%s: authz %s', (_n, b, authz) => {
    expect(classifyAuthz(parsed(b)).outcome).toBe(authz);
  });
  it('the VAP refusal is named as admission in the authorization question', () => {
    expect(classifyAuthz(parsed(real.rawBodies.vap)).error).toMatch(/^refused by admission, not by authorization: configmaps "fx" is forbidden: ValidatingAdmissionPolicy/);
  });
});

describe('every refusal written by RBAC itself is a denial (issue 13, real v1.34.4 bodies)', () => {
  it.each([
    ['aggregationRule without cluster-admin', real.rbacRegistry.aggregationRule],
    ['bind prevention (rules not held)', real.rbacRegistry.bindEscalation],
    ['ClusterRole escalation prevention', real.rbacRegistry.clusterRoleEscalation],
    ['impersonate groups', real.rbacRegistry.impersonateGroup],
    ['impersonate uids', real.rbacRegistry.impersonateUid],
    ['impersonate userextras', real.rbacRegistry.impersonateExtra],
    ['impersonate users (refused first)', real.rbacRegistry.impersonateUserFirst],
  ] as const)('%s -> denied', (_n, body) => {
    const a = ans(body);
    expect(isAuthorizerDenial(a)).toBe(true);
    expect(classifyAuthz(a).outcome).toBe('denied');
  });
  it('a bind of a role that does not exist (404) cannot tell, never allowed', () => {
    const a = ans(real.rbacRegistry.bindMissingRole);
    expect(bindAnswer(classifyAuthz(a), a, 'Role isoproof-no-such-role').outcome).toBe('error');
  });
  it('the aggregation message on another resource is not RBAC', () => {
    const a = { status: 403, reason: 'Forbidden', message: 'configmaps "x" is forbidden: must have cluster-admin privileges to use the aggregationRule' };
    expect(classifyAuthz(a).outcome).toBe('error');
  });
  it('group impersonation: a refusal of the user first is INCONCLUSIVE, one naming the group is denied', () => {
    const imp = { asked: 'groups' as const, viaUser: 'isoproof:impersonated' };
    expect(scopeImpersonation(classifyAuthz(ans(real.rbacRegistry.impersonateUserFirst)), imp).outcome).toBe('error');
    expect(scopeImpersonation(classifyAuthz(ans(real.rbacRegistry.impersonateGroup)), imp).outcome).toBe('denied');
  });
});
