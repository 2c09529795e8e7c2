import { images, RUN_LABEL } from '@isoproof/core';
import { restrictedContainer } from '@isoproof/kube';

/**
 * Pods for the Pod Security probes: one compliant with the `restricted` profile (the control) and,
 * for each rule of the profile, a pod identical to it except that it breaks exactly that rule.
 */
export const VIOLATIONS = [
  'privileged',
  'runAsRoot',
  'runAsNonRootFalse',
  'hostPath',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'addCapability',
  'capabilitiesNotDropped',
  'noSeccomp',
  'privilegeEscalation',
  'hostPort',
] as const;
export type Violation = (typeof VIOLATIONS)[number];

/**
 * The rule each violation must be refused for: a fragment of Pod Security's refusal message
 * ("violates PodSecurity \"restricted:latest\": <rule> (...)"). A refusal that does not name it was
 * caused by something else in the probe pod.
 */
export const VIOLATION_RULE: Record<Violation, string> = {
  privileged: 'privileged (',
  runAsRoot: 'runAsUser=0 (',
  runAsNonRootFalse: 'runAsNonRoot != true (',
  hostPath: 'restricted volume types (',  // baseline: 'hostPath volumes (' (VIOLATION_RULES)
  hostNetwork: 'host namespaces (hostNetwork=true)',
  hostPID: 'host namespaces (hostPID=true)',
  hostIPC: 'host namespaces (hostIPC=true)',
  addCapability: 'unrestricted capabilities (',
  capabilitiesNotDropped: 'unrestricted capabilities (',
  noSeccomp: 'seccompProfile (',
  privilegeEscalation: 'allowPrivilegeEscalation != false (',
  hostPort: 'hostPort (',
};

/**
 * Every rule prefix a refusal of the violation may name, per Pod Security level: the restricted
 * profile words some rules differently from baseline (`restricted volume types` / `hostPath
 * volumes`, `unrestricted capabilities` / `non-default capabilities`).
 */
export const VIOLATION_RULES: Record<Violation, string[]> = {
  ...(Object.fromEntries(Object.entries(VIOLATION_RULE).map(([k, v]) => [k, [v]])) as Record<Violation, string[]>),
  hostPath: ['restricted volume types (', 'hostPath volumes ('],
  addCapability: ['unrestricted capabilities (', 'non-default capabilities ('],
};

/** What each violation breaks, in words (for evidence). */
export const VIOLATION_TEXT: Record<Violation, string> = {
  privileged: 'securityContext.privileged=true (with allowPrivilegeEscalation=true, which validation requires of a privileged container)',
  runAsRoot: 'runAsUser=0',
  runAsNonRootFalse: 'runAsNonRoot=false',
  hostPath: 'a hostPath volume (/etc)',
  hostNetwork: 'hostNetwork=true',
  hostPID: 'hostPID=true',
  hostIPC: 'hostIPC=true',
  addCapability: 'capabilities.add=[NET_ADMIN]',
  capabilitiesNotDropped: 'capabilities.drop without ALL',
  noSeccomp: 'no seccompProfile',
  privilegeEscalation: 'allowPrivilegeEscalation=true',
  hostPort: 'hostPort 18080',
};

type Obj = Record<string, unknown>;
interface Container extends Obj {
  securityContext: Obj & { capabilities: Obj };
}
interface PodSpec extends Obj {
  securityContext: Obj;
  containers: Container[];
}
export interface ProbePod extends Obj {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: PodSpec;
}

/** A pod that satisfies the restricted profile (and the MediSecure context: uid 1000, read-only root). */
export function compliantPod(name: string, namespace: string, runId: string, image = images.probe): ProbePod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { [RUN_LABEL]: runId, 'app.kubernetes.io/name': 'isoproof-admission-probe' } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
      // no container port: with hostNetwork the API server would default hostPort to it, and the
      // hostNetwork pod would break two rules (host namespaces and hostPort) instead of one
      containers: [{ ...restrictedContainer(image) }],
    },
  };
}

/** The compliant pod with exactly one rule of the restricted profile broken. */
export function violatingPod(v: Violation, name: string, namespace: string, runId: string, image = images.probe): ProbePod {
  const pod = compliantPod(name, namespace, runId, image);
  const spec = pod.spec;
  const c = spec.containers[0]!;
  const sc = c.securityContext;
  switch (v) {
    case 'privileged':
      // privileged implies escalation; say so explicitly so the only reason for refusal is the profile
      sc.privileged = true;
      sc.allowPrivilegeEscalation = true;
      break;
    case 'runAsRoot':
      // runAsNonRoot stays true so the only broken rule is runAsUser=0
      spec.securityContext.runAsUser = 0;
      sc.runAsUser = 0;
      break;
    case 'runAsNonRootFalse':
      spec.securityContext.runAsNonRoot = false;
      sc.runAsNonRoot = false;
      break;
    case 'hostPath':
      spec.volumes = [{ name: 'host', hostPath: { path: '/etc', type: 'Directory' } }];
      c.volumeMounts = [{ name: 'host', mountPath: '/host-etc', readOnly: true }];
      break;
    case 'hostNetwork':
      spec.hostNetwork = true;
      break;
    case 'hostPID':
      spec.hostPID = true;
      break;
    case 'hostIPC':
      spec.hostIPC = true;
      break;
    case 'addCapability':
      sc.capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] };
      break;
    case 'capabilitiesNotDropped':
      sc.capabilities = { drop: ['NET_RAW'] };
      break;
    case 'noSeccomp':
      delete spec.securityContext.seccompProfile;
      delete sc.seccompProfile;
      break;
    case 'privilegeEscalation':
      sc.allowPrivilegeEscalation = true;
      break;
    case 'hostPort':
      c.ports = [{ containerPort: 8080, hostPort: 18080, protocol: 'TCP' }];
      break;
  }
  return pod;
}
