import { scenarioE2E } from '@isoproof/run/testing';
import { scenario } from '../src/index';

// Needs an ingress controller and the provider facts ingressAddress / ingressHttpAddress (and, for
// Traefik's client-certificate option, ingressDynamicDir). Skips without ISOPROOF_KUBECONFIG.
// The option file prepare writes outside the cluster is removed by the scenario's cleanup, which
// destroyScenario calls once the objects are gone (ISOPROOF_E2E_KEEP keeps both).
scenarioE2E(scenario);
