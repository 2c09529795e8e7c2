import { scenarioE2E } from '@isoproof/run';
import { scenario } from '../src/index';

scenarioE2E(scenario);
