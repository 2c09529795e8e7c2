import { describe, expect, it } from 'vitest';
import { enforcedLevel, judgeViolation, refusalRules } from '../src/pod-security';
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

// A namespace enforcing baseline words hostPath and capability refusals its own way (kube-apiserver
// 1.34, pod-security-admission policy checks): the pods are fine, the level decides.
describe('judgeViolation under the namespace enforced level (issue 13)', () => {
  const obs = (received: string, outcome: 'denied' | 'allowed' = 'denied') => ({ outcome, result: received.split(': ')[0] ?? '', evidence: { sent: 'POST', received } }) as import('@isoproof/core').Observation;
  const HOSTPATH_BASELINE = '403 Forbidden: pods "p" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "host")';
  const NETADMIN_BASELINE = '403 Forbidden: pods "p" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "probe" must not include "NET_ADMIN" in securityContext.capabilities.add)';
  it.each([
    ['hostPath', HOSTPATH_BASELINE],
    ['addCapability', NETADMIN_BASELINE],
  ] as const)('%s refused under baseline is a denial, not "fix the probe pod"', (v, msg) => {
    const o = judgeViolation(v, obs(msg), 'shop', 'baseline:latest');
    expect(o.outcome).toBe('denied');
    expect(o.error).toBeUndefined();
    expect(o.evidence.notes).toContain('namespace shop enforces Pod Security baseline:latest');
  });
  it('a pod admitted under baseline names the level in its result', () => {
    const o = judgeViolation('runAsRoot', obs('201 Created', 'allowed'), 'shop', 'baseline:latest');
    expect(o.outcome).toBe('allowed');
    expect(o.result).toMatch(/namespace shop enforces Pod Security baseline:latest/);
  });
  it('a refusal for another rule under baseline names the level, not the probe pod', () => {
    const o = judgeViolation('hostPort', obs(HOSTPATH_BASELINE), 'shop', 'baseline:latest');
    expect(o.outcome).toBe('error');
    expect(o.error).toMatch(/enforces Pod Security baseline:latest/);
    expect(o.error).not.toMatch(/fix the probe pod/);
  });
  it('enforcedLevel reads the labels', () => {
    expect(enforcedLevel({ 'pod-security.kubernetes.io/enforce': 'baseline' })).toBe('baseline:latest');
    expect(enforcedLevel({})).toMatch(/^privileged/);
  });
});
