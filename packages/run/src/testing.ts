// Vitest helpers for scenario packages: `@isoproof/run/testing`. Kept out of the main entry point so
// the CLI never loads vitest.
export { scenarioE2E, E2E_SKIP_MESSAGE } from './e2e';
export { scenarioDefinitionTests } from './definition-tests';
export type { DefinitionTestOptions } from './definition-tests';
export { scenarioOf } from './scenario-of';
// A fake API server answering SelfSubjectAccessReviews (the preflight tests of run and cli).
export { startFakeAuthz } from './testing/fake-authz';
export type { FakeAuthzServer } from './testing/fake-authz';
