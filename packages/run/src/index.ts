export { runScenario, destroyScenario, loadScenarioCriteria, criteriaFile, FIELD_MANAGER } from './scenario';
export type { ScenarioResult, RunScenarioOptions, ScenarioStage } from './scenario';
export { loadScenarios, selectScenarios, scenarioDirs, overlayNames, repoRoot } from './load';
export { runAll } from './run-all';
export { planRun } from './plan';
export { runExitCode } from './exit-code';
export { failedRunOutcomes } from './families';
export type { RunAllOptions, RunAllResult, RunReporter, ProviderChoice, ProviderName, OverlayProofResult } from './run-types';
export { Shutdown, InterruptedError, SIGNAL_EXIT, SHUTDOWN_DEADLINE_MS } from './shutdown';
export type { ShutdownOptions, StopSignal } from './shutdown';
export { cleanupRun, violationRefs, describeRefs, quiesce } from './cleanup';
export type { CleanupOptions, CleanupResult, ViolationRefs } from './cleanup';
export { checkArtifactsDir, checkWaiverCriteria, closestId, editDistance, InputError } from './inputs';
export { exitCodeFor, overlayProof, EXIT_PASS, EXIT_FAIL, EXIT_ERROR } from './exit-code';
export type { ExitCode } from './exit-code';
export {
  groupByFamily,
  validateFamilySpecs,
  runFamilies,
  outcomesFrom,
  undecided,
  collectSections,
  familyKinds,
  familyName,
  ScenarioDefinitionError,
} from './families';
export type { FamilyResult } from './families';
export { withTimeout, StepTimeoutError, DEFAULT_TIMEOUTS, SETTLE_MS } from './timeout';
export type { Timeouts } from './timeout';
export {
  requiredRights,
  missingRights,
  missingRightsError,
  assertRights,
  currentUser,
  resourceForKind,
  rightLabel,
  MissingRightsError,
  APPLY_VERBS,
} from './preflight';
export type { Right } from './preflight';
export {
  resolveSettings,
  mergeFacts,
  describeFacts,
  parseFactFlags,
  parseFactsJson,
  withCriterionParams,
  checkCriterionIds,
  FactError,
  NO_CRITERION_PARAMS,
} from './settings';
export type { Settings, SettingsInput, CriterionParams, FactSource } from './settings';
export { parseConfig, loadConfigFile, durationMs, ConfigError, CONFIG_SCHEMA, CONFIG_FILE_NAME, CONFIG_KEYS } from './config-file';
export type { ConfigFile, TimeoutName } from './config-file';
export {
  loadScenarioDir,
  findScenarioDirs,
  withScenarioDirs,
  familyForKind,
  readScenarioManifests,
  assertObserveOnly,
  OBSERVE_ONLY_KINDS,
  SCENARIO_NAME_PATTERN,
} from './data-scenario';
export { validateScenarioDir } from './validate';
export type { ValidationResult } from './validate';
export { renameNamespaces, namespaceMap, checkNamespacePrefix, NamespacePrefixError, NAMESPACE_PREFIX_PATTERN } from './namespace-prefix';
