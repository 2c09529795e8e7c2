import { simulatedVerdictTests } from '@isoproof/probe-network/testing';
import { scenario } from '../src/index';

// Offline proof: the NetworkPolicy simulator stands in for the cluster (the e2e proves it on one).
// TEST-NET-1 address: simulated only, never contacted.
// NET-SEG-07 (complete isolation of incident=isolated pods) cannot be proven by traffic: nothing may reach
// the pod (no target-side control) and it may reach nothing (no source-side control), so every deny of it
// stays INCONCLUSIVE; its overlay, which opens it, makes it FAIL.
simulatedVerdictTests(
  scenario,
  { externalTarget: '192.0.2.10:8443' },
  { unprovable: { 'NET-SEG-07': 'a pod cut off from everything: no control can prove a probe could have succeeded' } },
);
