import { scenarioDefinitionTests, scenarioOf } from '@isoproof/run/testing';

const scenario = scenarioOf(import.meta.url);

// Offline checks shared by every scenario; the cluster e2e (test/*.e2e.test.ts) proves the verdicts.
scenarioDefinitionTests(scenario, { minCriteria: 6, minOverlays: 6 });
