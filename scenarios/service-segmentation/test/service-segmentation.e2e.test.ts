import { scenarioE2E, scenarioOf } from '@isoproof/run/testing';

const scenario = scenarioOf(import.meta.url);

scenarioE2E(scenario);
