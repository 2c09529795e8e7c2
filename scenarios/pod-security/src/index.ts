import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioDefinition } from '@isoproof/core';
import { admissionFamily, workloadFamily } from '@isoproof/probe-admission';

export const scenario: ScenarioDefinition = {
  name: 'pod-security',
  description:
    'Namespace psa-medisecure enforces Pod Security restricted (003); violating pods are refused at admission (dry-run as the tenant); running containers are non-root, read-only, capability-free and bounded (002 MediSecure)',
  dir: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  families: [admissionFamily(), workloadFamily()],
};
