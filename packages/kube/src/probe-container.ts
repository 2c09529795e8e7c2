import { images } from '@isoproof/core';

/** The probe container every restricted-profile pod uses: uid 1000, read-only root, no capability, no escalation. */
export function restrictedContainer(image = images.probe) {
  return {
    name: 'probe',
    image,
    imagePullPolicy: 'IfNotPresent',
    args: ['pause'],
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      capabilities: { drop: ['ALL'] },
    },
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } },
  };
}
