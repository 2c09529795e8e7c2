export type { KubeHandle } from './kubeconfig';
export { loadKube, checkReachable, describeTarget } from './kubeconfig';
export type { KubeObject } from './manifests';
export {
  readManifests,
  parseManifests,
  composeOverlay,
  applyOverlay,
  readOverlayDefinition,
  listOverlays,
  objectKey,
  toRef,
  refString,
  OVERLAY_FILE,
} from './manifests';
export { sortForApply, sortForDelete, kindRank, SWEEP_KINDS } from './order';
export { SCENARIO_LABEL, withRunLabels } from './labels';
export type { ApplyOptions } from './apply';
export { applyObjects, pruneObjects, deleteObjects, listLabelledObjects, sweep, apiErrorLine, apiStatus, DEFAULT_FIELD_MANAGER } from './apply';
export type { ReadinessView, EndpointSliceView, WaitOptions } from './wait';
export type { BoundedApiOptions } from './bounded-api';
export { BoundedObjectApi, boundedObjectApi, DEFAULT_REQUEST_TIMEOUT_MS } from './bounded-api';
export { waitForReady, notReadyReason } from './wait';
export type { ExecOptions, ExecResult } from './exec';
export { execInPod, findPods, exitCodeFromStatus } from './exec';
export {
  clientForServiceAccount,
  clientImpersonating,
  impersonationHeaders,
  ImpersonatingKubeConfig,
  removeTempKubeconfigs,
} from './identity';
export type { ActorIdentity } from './actor-identity';
export { validateIdentity, identityKey, userInfoOf, describeIdentity } from './actor-identity';
export type { Answer, Classified } from './api-answer';
export { answerOf, answerLine, firstLine, statusLine, isAuthorizerDenial, isPodSecurityDenial, isAdmissionMessage, isDryRunRefusal } from './api-answer';
export type { ProbeRun, DefinedProbeFamily } from './probe-family';
export { defineProbeFamily } from './probe-family';
export { restrictedContainer } from './probe-container';
export type { LiveState, LiveRef, OwnershipReport } from './ownership';
export {
  ForeignObjectsError,
  foreignObjectsMessage,
  createdByIsoproof,
  readLiveState,
  classifyExisting,
  assertNoForeignObjects,
} from './ownership';
export type { RawRequest, RawResponse } from './raw';
export { rawRequest } from './raw';
export {
  KubeconfigError,
  UnreachableClusterError,
  InvalidManifestError,
  TransportError,
  KubeApiError,
  WaitTimeoutError,
  ExecError,
} from './errors';
