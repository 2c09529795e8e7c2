export type { KubeHandle } from './kubeconfig';
export { loadKube } from './kubeconfig';
export { checkReachable } from './reachable';
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
export { SCENARIO_LABEL } from './labels';
export type { ApplyOptions } from './apply';
export { applyObjects, pruneObjects, deleteObjects, listLabelledObjects, sweep } from './apply';
export type { WaitOptions } from './wait';
export { waitForReady } from './wait';
export type { ExecOptions, ExecResult } from './exec';
export { execInPod, findPods } from './exec';
export { clientForServiceAccount, clientImpersonating, removeTempKubeconfigs } from './identity';
export type { ActorIdentity } from './actor-identity';
export { validateIdentity, identityKey, userInfoOf, describeIdentity } from './actor-identity';
export type { Answer, Classified } from './api-answer';
export { answerOf, answerLine, firstLine, statusLine, isAuthorizerDenial, isPodSecurityDenial, isAdmissionMessage, isDryRunRefusal } from './api-answer';
export type { ProbeRun, DefinedProbeFamily } from './probe-family';
export { defineProbeFamily } from './probe-family';
export { restrictedContainer } from './probe-container';
export { ForeignObjectsError, assertNoForeignObjects } from './ownership';
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
