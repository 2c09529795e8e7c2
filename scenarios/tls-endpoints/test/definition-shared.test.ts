import { scenarioDefinitionTests } from '@isoproof/run/testing';
import { scenario } from '../src/index';

// Offline checks shared by every scenario (test/definition.test.ts holds the tls-specific ones); the
// cluster e2e (test/*.e2e.test.ts) proves the verdicts.
scenarioDefinitionTests(scenario, { minCriteria: 11, minOverlays: 10 });
