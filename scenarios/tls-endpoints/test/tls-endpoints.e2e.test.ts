import { scenarioE2E } from '@isoproof/run';
import { scenario } from '../src/index';

// Needs an ingress controller and the provider facts ingressAddress / ingressHttpAddress (and, for
// Traefik's client-certificate option, ingressDynamicDir). Skips without ISOPROOF_KUBECONFIG.
scenarioE2E(scenario);
