import { images } from '@isoproof/core';
import { describe, expect, it } from 'vitest';
import { compliantPod, VIOLATIONS, violatingPod } from '../src/pods';
import type { Violation } from '../src/pods';

/** Paths where two JSON values differ. */
function diff(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((x, i) => diff(x, b[i], `${path}[${i}]`));
  return [path];
}

const base = compliantPod('p', 'ns', 'rabcdefghij');
const c0 = 'spec.containers[0]';

const EXPECTED: Record<Violation, string[]> = {
  privileged: [`${c0}.securityContext.allowPrivilegeEscalation`, `${c0}.securityContext.privileged`],
  runAsRoot: ['spec.securityContext.runAsUser', `${c0}.securityContext.runAsUser`],
  runAsNonRootFalse: ['spec.securityContext.runAsNonRoot', `${c0}.securityContext.runAsNonRoot`],
  hostPath: [`${c0}.volumeMounts`, 'spec.volumes'],
  hostNetwork: ['spec.hostNetwork'],
  hostPID: ['spec.hostPID'],
  hostIPC: ['spec.hostIPC'],
  addCapability: [`${c0}.securityContext.capabilities.add`],
  capabilitiesNotDropped: [`${c0}.securityContext.capabilities.drop[0]`],
  noSeccomp: ['spec.securityContext.seccompProfile'],
  privilegeEscalation: [`${c0}.securityContext.allowPrivilegeEscalation`],
  hostPort: [`${c0}.ports`],
};

describe('restricted-profile pod generator', () => {
  it('the compliant pod meets the restricted profile and the MediSecure context', () => {
    const sc = base.spec.containers[0]!.securityContext;
    expect(base.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(sc).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, capabilities: { drop: ['ALL'] } });
    expect(base.spec.containers[0]!.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { cpu: expect.any(String), memory: expect.any(String) } });
    expect(base.spec).not.toHaveProperty('hostNetwork');
    expect(base.spec).not.toHaveProperty('volumes');
    expect(base.metadata.labels['isoproof.dev/run']).toBe('rabcdefghij');
  });

  it.each(VIOLATIONS.map((v) => [v]))('%s changes exactly its rule', (v) => {
    const pod = violatingPod(v, 'p', 'ns', 'rabcdefghij');
    expect(diff(base, pod).sort()).toEqual([...EXPECTED[v]].sort());
  });

  it('does not alter the compliant pod it starts from', () => {
    violatingPod('noSeccomp', 'p', 'ns', 'r');
    expect(compliantPod('p', 'ns', 'rabcdefghij')).toEqual(base);
  });

  it('uses only the probe image', () => {
    for (const v of VIOLATIONS) expect(violatingPod(v, 'p', 'ns', 'r').spec.containers[0]!.image).toBe(images.probe);
  });
});
