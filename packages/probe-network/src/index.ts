export type {
  Protocol,
  LabelSelector,
  LabelSelectorRequirement,
  IPBlock,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicyIngressRule,
  NetworkPolicyEgressRule,
  SimNamespace,
  SimPod,
  SimService,
  SimCell,
  SimResult,
  SimSide,
  SimTarget,
  Snapshot,
} from './types';
export { matchesSelector, cidrContains, selectorString } from './selectors';
export { simulate, simulateCell, policyTypes, selectingPolicies, decidingPolicies } from './simulator';
export type { PodRef, TargetSpec, ControlSpec, CellSpec, NetworkCriterionSpec } from './spec';
export { validateNetworkSpec, cellsOf } from './spec';
export type { PlanCell, PlanCheck, PlanControl, ProbePlan, CellRunner, CompileOptions, WireProtocol } from './controls';
export { compilePlan, batchBySource, runnerKey, compileOptionsFromFacts, MANAGED_LABEL } from './controls';
export type { CellResult, CellResultKind, Enforcement, ObservationContext } from './classify';
export { outcomeOf, agrees, assessEnforcement, observationOf, buildChecks, controlObservation, NO_SOURCE_CONNECTION } from './classify';
export type { ExecMode, ExecuteOptions, ExecuteStats } from './execute';
export { executeCells, hostConnect, nodeFallback, agentPlan, parseAgentOutput, parseAgnhostConnect, mapLimit, AGENT_PATH } from './execute';
export type { NodeAgent } from './node-agents';
export { NodeAgentPool, nodeAgentObjects, nodeAgentNamespace, NODE_AGENT_IMAGE } from './node-agents';
export type { StableOptions, StableResult } from './stable';
export { waitStable, percentile, simulatedExpectation } from './stable';
export { loadSnapshot, podFromApi, policyFromApi, serviceFromApi } from './snapshot';
export { truthTable, findingsSection, GRID_LEGEND } from './sections';
export type { NetworkFamily, NetworkFamilyOptions, NetworkRun } from './family';
export { createNetworkFamily, criteriaNamespaces } from './family';
export type { ManifestObject, OfflineSnapshotOptions } from './offline';
export { snapshotFromManifests, simulatedResults, predictOutcomes } from './offline';
export { matrixGates } from './validity';
