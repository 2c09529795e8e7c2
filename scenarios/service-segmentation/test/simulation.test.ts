import { simulatedVerdictTests } from '@isoproof/probe-network/testing';
import { scenarioOf } from '@isoproof/run/testing';

const scenario = scenarioOf(import.meta.url);

// Offline proof: the NetworkPolicy simulator stands in for the cluster (the e2e proves it on one).
// TEST-NET-1 address: simulated only, never contacted.
// NET-SEG-07 (complete isolation of incident=isolated pods): nothing may reach reviews-service (no
// target-side control from a pod) and it may reach nothing (no source-side control from a pod). Where the
// provider routes pod IPs from the node (fact podNetworkFromHost, the local provider), node handshakes
// (runner host -> reviews-service:9000) give both sides and it PASSes; elsewhere (kind, existing) it stays
// INCONCLUSIVE, and its overlay, which opens it, makes it FAIL either way.
simulatedVerdictTests(scenario, { externalTarget: '192.0.2.10:8443', podNetworkFromHost: 'true' }, { label: 'podNetworkFromHost' });
simulatedVerdictTests(
  scenario,
  { externalTarget: '192.0.2.10:8443' },
  {
    label: 'no podNetworkFromHost',
    unprovable: { 'NET-SEG-07': 'a pod cut off from everything: without node handshakes no control can prove a probe could have succeeded' },
  },
);
