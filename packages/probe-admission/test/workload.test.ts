import { describe, expect, it } from 'vitest';
import type { Criterion } from '@isoproof/core';
import { validateAdmissionSpec } from '../src/admission';
import { namespaceLabelObservation } from '../src/pod-security';
import type { InspectReport } from '../src/workload';
import { judge, judgeResources, parseInspect, validateWorkloadSpec } from '../src/workload';

// Output of the real helper (go build; run under setpriv as uid 1000, and as root).
const nonRoot = '{"uid":1000,"gid":1000,"euid":1000,"groups":null,"capEff":"0000000000000000","capPrm":"0000000000000000","capBnd":"0000000000000000","capAmb":"0000000000000000","noNewPrivs":"0","seccomp":"0","rootMountOptions":"rw,relatime","rootReadOnly":false,"rootWrite":{"attempted":"/.isoproof-write-probe-7870","succeeded":false,"errno":"EACCES","error":"open /.isoproof-write-probe-7870: permission denied"}}';
const root = '{"uid":0,"gid":0,"euid":0,"groups":null,"capEff":"000001fffeffffff","capPrm":"000001fffeffffff","capBnd":"000001fffeffffff","capAmb":"0000000000000000","noNewPrivs":"0","seccomp":"0","rootMountOptions":"rw,relatime","rootReadOnly":false,"rootWrite":{"attempted":"/.isoproof-write-probe-7596","succeeded":true}}';
const roRoot: InspectReport = { ...JSON.parse(nonRoot), rootMountOptions: 'ro,relatime', rootReadOnly: true, rootWrite: { attempted: '/.x', succeeded: false, errno: 'EROFS', error: 'read-only file system' } };

describe('judge (inspected container)', () => {
  it('non-root', () => {
    expect(judge('non-root', parseInspect(nonRoot)).outcome).toBe('holds');
    expect(judge('non-root', parseInspect(root)).outcome).toBe('violated');
  });
  it('read-only root: EROFS holds; a write refused only by permissions on a rw mount is violated', () => {
    expect(judge('read-only-root', roRoot).outcome).toBe('holds');
    const j = judge('read-only-root', parseInspect(nonRoot));
    expect(j.outcome).toBe('violated');
    expect(j.received).toMatch(/permissions only/);
    expect(judge('read-only-root', parseInspect(root)).outcome).toBe('violated');
  });
  it('no capabilities', () => {
    expect(judge('no-capabilities', parseInspect(nonRoot)).outcome).toBe('holds');
    expect(judge('no-capabilities', parseInspect(root))).toMatchObject({ outcome: 'violated', result: 'CapEff 000001fffeffffff' });
  });
  it('parseInspect refuses anything else', () => {
    expect(() => parseInspect('{"hello":1}')).toThrow(/not an isoproof-inspect report/);
    expect(() => parseInspect('exec: not found')).toThrow();
  });
  it('parseInspect errors carry the stable code ISOPROOF_INSPECT_REPORT', () => {
    for (const out of ['{"hello":1}', 'exec: not found', 'null', '{"uid":0,"capEff":"0","rootWrite":null}']) {
      expect(() => parseInspect(out), out).toThrow(expect.objectContaining({ code: 'ISOPROOF_INSPECT_REPORT', name: 'InspectReportError' }));
    }
  });
});

describe('judgeResources', () => {
  const full = { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
  it('holds when every container has cpu and memory requests and limits', () => {
    expect(judgeResources([{ name: 'a', resources: full }, { name: 'b', resources: full }]).outcome).toBe('holds');
  });
  it('names what is missing', () => {
    const j = judgeResources([{ name: 'a', resources: full }, { name: 'b', resources: { requests: { cpu: '1' } } }]);
    expect(j.outcome).toBe('violated');
    expect(j.received).toMatch(/b: requests.memory, b: limits.cpu, b: limits.memory/);
  });
});

describe('namespace labels', () => {
  it('holds with enforce=restricted', () => {
    expect(namespaceLabelObservation('ns', { 'pod-security.kubernetes.io/enforce': 'restricted' }, 'restricted', ['enforce']).outcome).toBe('holds');
  });
  it('violated when absent or weaker', () => {
    expect(namespaceLabelObservation('ns', {}, 'restricted', ['enforce']).outcome).toBe('violated');
    expect(namespaceLabelObservation('ns', { 'pod-security.kubernetes.io/enforce': 'baseline' }, 'restricted', ['enforce']).result).toBe('not restricted: enforce');
  });
});

const crit = (probe: Criterion['probe'], spec: Record<string, unknown>): Criterion => ({ id: 'X-01', title: 't', seed: 's', probe, vantage: 'v', expectation: 'e', spec });
describe('spec validation', () => {
  it('admission', () => {
    expect(validateAdmissionSpec(crit('admission', { check: 'restricted-pods', identity: { kind: 'User', name: 'dev' }, namespace: 'ns' }))).toEqual([]);
    expect(validateAdmissionSpec(crit('admission', { check: 'restricted-pods', identity: { kind: 'User', name: 'dev' }, namespace: 'ns', violations: ['nope'] })).join()).toMatch(/unknown "nope"/);
    expect(validateAdmissionSpec(crit('admission', { check: 'namespace-label', namespaces: ['a'] }))).toEqual([]);
    expect(validateAdmissionSpec(crit('admission', { check: 'x' })).join()).toMatch(/check/);
  });
  it('workload', () => {
    expect(validateWorkloadSpec(crit('workload', { namespace: 'a', property: 'non-root' }))).toEqual([]);
    expect(validateWorkloadSpec(crit('workload', { namespace: 'a', property: 'happy' })).join()).toMatch(/property/);
  });
});
