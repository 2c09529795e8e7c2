import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioDefinition } from '@isoproof/core';
import { createNetworkFamily } from '@isoproof/probe-network';

export const scenario: ScenarioDefinition = {
  name: 'tenant-isolation',
  description:
    'Tenants tenant-a and tenant-b (001 US-INFRA-04): default deny-all ingress and egress, intra-tenant traffic and cluster DNS allowed, nothing across tenants, nothing to the outside',
  dir: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  families: [createNetworkFamily()],
};
