import { scenarioE2E } from '@isoproof/run/testing';
import { scenario } from '../src/index';

scenarioE2E(scenario);
