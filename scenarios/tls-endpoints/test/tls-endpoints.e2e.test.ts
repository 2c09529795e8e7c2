import { afterAll } from 'vitest';
import { scenarioE2E } from '@isoproof/run/testing';
import { cleanupTls, scenario, tlsState } from '../src/index';

// Needs an ingress controller and the provider facts ingressAddress / ingressHttpAddress (and, for
// Traefik's client-certificate option, ingressDynamicDir). Skips without ISOPROOF_KUBECONFIG.
scenarioE2E(scenario);

// prepare writes the mTLS option into the controller's watched directory (outside the cluster):
// remove it once scenarioE2E has destroyed the scenario (file-level hooks run after the suite's), so
// no Ingress names a missing option in between. ISOPROOF_E2E_KEEP keeps it with the objects.
afterAll(async () => {
  if (!process.env.ISOPROOF_E2E_KEEP) await cleanupTls(tlsState);
});
