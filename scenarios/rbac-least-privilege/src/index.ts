import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioDefinition } from '@isoproof/core';
import { auditFamily, rbacFamily } from '@isoproof/probe-rbac';

export const scenario: ScenarioDefinition = {
  name: 'rbac-least-privilege',
  description:
    'Per-service ServiceAccounts and least-privilege Roles of the e-commerce platform (003), tenant developers with namespace-scoped rights (001 US-INFRA-04), escalation and bind prevention, audit log of forbidden reads and RBAC changes; every attempt made for real as the identity',
  dir: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  families: [rbacFamily(), auditFamily()],
};
