import { describe, expect, it } from 'vitest';
import { refusalRules } from '../src/admission';
import { VIOLATION_RULE, VIOLATIONS } from '../src/pods';

// Messages as kube-apiserver 1.34 words them (seen on the local cluster).
const PRIV =
  '403 Forbidden: pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged (container "probe" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "probe" must set securityContext.allowPrivilegeEscalation=false)';
const HOSTNET = '403 Forbidden: pods "p" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true), hostPort (container "probe" uses hostPort 8080)';

describe('refusalRules', () => {
  it.each([
    [PRIV, ['privileged (container "probe" must not set securityContext.privileged=true)', 'allowPrivilegeEscalation != false (container "probe" must set securityContext.allowPrivilegeEscalation=false)']],
    [HOSTNET, ['host namespaces (hostNetwork=true)', 'hostPort (container "probe" uses hostPort 8080)']],
    ['403 Forbidden: pods "p" is forbidden: violates PodSecurity "restricted:latest": runAsUser=0 (pod and container "probe" must not set runAsUser=0)', ['runAsUser=0 (pod and container "probe" must not set runAsUser=0)']],
    ['403 Forbidden: pods "p" is forbidden: User "x" cannot create resource "pods"', []],
    ['', []],
  ])('%s', (msg, rules) => {
    expect(refusalRules(msg)).toEqual(rules);
  });

  it('every violation has the rule prefix its refusal must name', () => {
    for (const v of VIOLATIONS) expect(VIOLATION_RULE[v].length).toBeGreaterThan(3);
    expect(refusalRules(PRIV).some((r) => r.startsWith(VIOLATION_RULE.privileged))).toBe(true);
    expect(refusalRules(HOSTNET).some((r) => r.startsWith(VIOLATION_RULE.hostNetwork))).toBe(true);
    expect(refusalRules(HOSTNET).some((r) => r.startsWith(VIOLATION_RULE.hostPID))).toBe(false);
  });
});
