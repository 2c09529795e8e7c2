import { simulatedVerdictTests } from '@isoproof/probe-network/testing';
import { scenarioOf } from '@isoproof/run/testing';

const scenario = scenarioOf(import.meta.url);

// Offline proof: the NetworkPolicy simulator stands in for the cluster (the e2e proves it on one).
// TEST-NET-1 address: simulated only, never contacted.
simulatedVerdictTests(scenario, { externalTarget: '192.0.2.10:8443' });
