import { describe, expect, it } from 'vitest';
import { answerOf } from '@isoproof/kube';
import { classifyAdmission } from '../src/classify';
import { real403 as real } from '@isoproof/kube/testing';

/** The answer as the probes build it: from the status code and the parsed body. */
const ans = (b: { code: number }) => answerOf(b.code, b);

// Answers that are NOT Kubernetes Status bodies: what a proxy, gateway or load balancer in front of
// the API server may send. Synthetic (no such component exists on the local cluster).
const proxyHtml = answerOf(403, '<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body><center><h1>403 Forbidden</h1></center></body></html>', '');
const emptyBody = answerOf(403, '', '');
// Admission webhook refusal, in the apiserver's format (no webhook is installed on the local cluster).
const webhook = { status: 403, reason: 'Forbidden', message: 'admission webhook "policy.example.com" denied the request: images must come from the internal registry' };

describe('classifyAdmission (Pod Security question) on real API server answers', () => {
  it.each([
    ['Pod Security: hostNetwork', real.podSecurityHostNetwork, 'denied'],
    ['Pod Security: privileged (several rules)', real.podSecurityPrivileged, 'denied'],
    ['RBAC: may not create', real.rbacCreateDeployment, 'error'],
    ['ResourceQuota exceeded', real.quotaExceeded, 'error'],
    ['ResourceQuota must specify', real.quotaMustSpecify, 'error'],
    ['LimitRange', real.limitRangeMax, 'error'],
    ['namespace being terminated', real.namespaceTerminating, 'error'],
  ] as const)('%s -> %s', (_n, body, outcome) => {
    expect(classifyAdmission(ans(body)).outcome).toBe(outcome);
  });

  it.each([
    ['a webhook', webhook, /^refused by admission but not by Pod Security .*admission webhook "policy.example.com" denied the request/],
    ['a quota', ans(real.quotaExceeded), /^refused by admission but not by Pod Security .*exceeded quota: q/],
    ['a LimitRange', ans(real.limitRangeMax), /^refused by admission but not by Pod Security .*maximum cpu usage per Container/],
    ['a proxy page', proxyHtml, /^403 not from Pod Security admission: <html>/],
    ['an empty 403', emptyBody, /^403 not from Pod Security admission: \(no message\)/],
    ['an authorizer 403', ans(real.rbacCreateDeployment), /^the identity may not create pods \(authorization refused, admission not exercised\)/],
  ] as const)('%s is an error naming it', (_n, a, error) => {
    const c = classifyAdmission(a);
    expect(c.outcome).toBe('error');
    expect(c.error).toMatch(error);
  });

  it('"violates PodSecurity" without a Forbidden Status is not proof', () => {
    expect(classifyAdmission({ status: 403, message: 'pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged' }).outcome).toBe('error');
  });
});

describe('whole real response bodies, parsed as the probes parse them', () => {
  const parsed = (b: { status: number; text: string }) => answerOf(b.status, JSON.parse(b.text) as unknown, b.text);
  it.each([
    ['RBAC get secret', real.rawBodies.rbacGetSecret, 'error'],
    ['Pod Security', real.rawBodies.podSecurity, 'denied'],
    ['ResourceQuota', real.rawBodies.quota, 'error'],
    ['ValidatingAdmissionPolicy (reason Forbidden)', real.rawBodies.vap, 'error'],
  ] as const)('%s: Pod Security %s', (_n, b, psa) => {
    expect(classifyAdmission(parsed(b)).outcome).toBe(psa);
  });
  it('the VAP refusal is named as admission in the Pod Security question', () => {
    expect(classifyAdmission(parsed(real.rawBodies.vap)).error).toMatch(/^refused by admission but not by Pod Security/);
  });
});
