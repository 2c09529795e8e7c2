import { defineConfig, mergeConfig } from 'vitest/config';
import { unitConfig } from '../../vitest.shared';

// Every CLI test spawns the real CLI (a Node process loading the Kubernetes client): seconds each, and
// many more on 2 loaded cores; the per-test bound is wider than the shared one.
export default mergeConfig(unitConfig, defineConfig({ test: { testTimeout: 120_000 } }));
