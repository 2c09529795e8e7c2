// Test support of @isoproof/kube: `@isoproof/kube/testing`. Kept out of the main entry point.
/** Real 403 answers of the API server (RBAC, escalation, bind, aggregation, Pod Security, ...), for classifier tests. */
export * as real403 from './testing/api-403';
export type { FakeRequestHandler, FakeServer } from './testing/fake-server';
export { answerJson, serveFakeApi } from './testing/fake-server';
