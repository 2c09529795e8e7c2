import type { ScenarioDefinition, Run } from '@isoproof/core';
import type { KindSettings } from '@isoproof/cluster';
import type { ArtifactPaths, OverlayProof, Report } from '@isoproof/report';
import type { ExitCode } from './exit-code';
import type { ScenarioResult } from './scenario';
import type { CriterionParams, FactSource } from './settings';
import type { Shutdown, StopSignal } from './shutdown';
import type { Timeouts } from './timeout';

export type ProviderName = 'kind' | 'existing' | 'local';

/** How to obtain the cluster (see @isoproof/cluster selectProvider). */
export interface ProviderChoice {
  /** Explicit provider; otherwise `existing` if a kubeconfig is given, else kind if usable, else local. */
  name?: ProviderName;
  kubeconfig?: string;
  context?: string;
  clusterName?: string;
  /** kind provider settings from flags (node image, config); the environment fills the rest. */
  kind?: KindSettings;
}

/** Live progress of a run; @isoproof/report's createConsoleReporter() fits it. */
export interface RunReporter {
  runStarted?(info: { runId: string; provider: string; scenarios?: number }): void;
  scenarioStarted?(scenario: string, overlay?: string): void;
  scenarioDone?(result: ScenarioResult): void;
  finish?(report: Report): void;
  close?(): void;
}

export interface RunAllOptions {
  provider: ProviderChoice;
  scenarios: ScenarioDefinition[];
  /** Run this one seeded violation (overlay name) instead of the baseline, in every selected scenario that has it. */
  overlay?: string;
  /** Run the baseline and then every overlay of each scenario, proving each flips exactly what it names. */
  overlays?: boolean;
  artifactsDir: string;
  keepCluster: boolean;
  waiversFile?: string;
  log: (line: string) => void;
  reporter?: RunReporter;
  /** Install a SIGINT/SIGTERM shutdown owner for this run (ignored when `shutdown` is given). */
  /** Export the cluster's (redacted) logs into artifactsDir/logs even when every criterion passed (for a bundle). */
  exportLogs?: boolean;
  handleSignals?: boolean;
  /** The shutdown owner (the CLI installs one before its first cluster call). */
  shutdown?: Shutdown;
  timeouts?: Partial<Timeouts>;
  /** The user's facts (--fact, config file): they override the provider's (see resolveSettings). */
  facts?: Record<string, string>;
  factSources?: Record<string, FactSource>;
  /** The user's per-criterion parameters (config file). */
  criteriaParams?: CriterionParams;
  /** Prefix of every scenario namespace name (--namespace-prefix), for clusters where the names are taken. */
  namespacePrefix?: string;
}

/** What one overlay run proved (only with `overlays: true`); the report's OverlayProof. */
export type OverlayProofResult = OverlayProof;

export interface RunAllResult {
  run: Run;
  exitCode: ExitCode;
  results: ScenarioResult[];
  proofs: OverlayProofResult[];
  /** Files of the report under artifactsDir. */
  artifacts: ArtifactPaths;
  report: Report;
  /** Set when a signal stopped the run: the report is partial (undecided criteria INCONCLUSIVE). */
  interrupted?: StopSignal;
}
