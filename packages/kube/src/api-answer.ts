/**
 * The API server's answer to a real request, read for the probes' questions: the Status it sent,
 * and whether the authorizer, Pod Security or other admission wrote a 403. Pure.
 */
import { STATUS_CODES } from 'node:http';
import type { ObservationOutcome } from '@isoproof/core';

/** What the API server answered to one real attempt. */
export interface Answer {
  status: number;
  /** Status.message of a Kubernetes Status body (or the text of a non-JSON answer). */
  message?: string;
  /** Status.reason (Forbidden, NotFound, AlreadyExists, ...). */
  reason?: string;
}

export interface Classified {
  outcome: ObservationOutcome;
  /** e.g. `403 Forbidden: secrets "x" is forbidden: User "..." cannot get resource ...` */
  result: string;
  /** Set when outcome is error. */
  error?: string;
  /** An explanation for the evidence notes (e.g. why a 404 counts as authorized). */
  note?: string;
}

/**
 * What the authorizer (and RBAC's escalation prevention) writes into a 403 Status.message:
 * `User "u" cannot <verb> resource "r" ...` / `User "u" cannot <verb> path "/p"` (the apiserver's
 * forbidden message for every authorizer: RBAC, Node, webhook), and
 * `user "u" (groups=[...]) is attempting to grant RBAC permissions not currently held` (RBAC
 * registry refusing an escalating Role/Binding).
 */
const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;
const AUTHORIZER_DENIAL = new RegExp(
  String.raw`\bUser ${QUOTED} cannot [a-z]+ (?:resource|path) "|\buser ${QUOTED} \(groups=.*\) is attempting to grant RBAC permissions not currently held`,
);
/**
 * The RBAC registry's own refusal besides escalation (pkg/registry/rbac/clusterrole/policybased): an
 * aggregationRule needs cluster-admin (`clusterroles... is forbidden: must have cluster-admin
 * privileges to use the aggregationRule`). Bind prevention words its refusal like escalation
 * prevention; a RoleBinding to a role it cannot resolve is a 404 (see bindAnswer).
 */
const RBAC_REGISTRY_DENIAL = new RegExp(
  String.raw`^clusterroles\.rbac\.authorization\.k8s\.io ${QUOTED} is forbidden: must have cluster-admin privileges to use the aggregationRule`,
);
/** Admission refusals that are not authorization (Pod Security, webhooks, policies, quota, limits, namespace lifecycle). */
const ADMISSION_DENIAL = /violates PodSecurity|admission webhook|denied the request|exceeded quota|failed quota|LimitRange|(?:minimum|maximum) \S+ usage per (?:Container|Pod|PersistentVolumeClaim) is|max limit to request ratio per|ValidatingAdmissionPolicy|unable to create new content in namespace .* because it is being terminated/i;
const POD_SECURITY_DENIAL = /\bviolates PodSecurity "[^"]*"/;
const DRY_RUN_REFUSAL = /dry ?run|dryRun/i;

/** A 403 message written by admission (not authorization): Pod Security, webhooks, policies, quota, limits, namespace lifecycle. */
export function isAdmissionMessage(message: string): boolean {
  return ADMISSION_DENIAL.test(message);
}

/** A 400 message refusing the dry run (a webhook without dry-run support). */
export function isDryRunRefusal(message: string | undefined): boolean {
  return DRY_RUN_REFUSAL.test(message ?? '');
}

export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
}

/** Message and reason of a Kubernetes Status body, or the first line of a text body. */
export function answerOf(status: number, body: unknown, text = ''): Answer {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as { kind?: unknown; message?: unknown; reason?: unknown };
    if (b.kind === 'Status') {
      const a: Answer = { status };
      if (typeof b.message === 'string') a.message = b.message;
      if (typeof b.reason === 'string') a.reason = b.reason;
      return a;
    }
    return { status };
  }
  const line = (typeof body === 'string' ? body : text).split('\n')[0]?.trim();
  return line ? { status, message: line.slice(0, 300) } : { status };
}

/** The status line with the answer's message: `403 Forbidden: <message>`. */
export function answerLine(a: Answer): string {
  return a.message ? `${statusLine(a.status)}: ${a.message}` : statusLine(a.status);
}

/** The first line of a message (200 characters at most), or `(no message)`. */
export function firstLine(m: string | undefined): string {
  const l = (m ?? '').split('\n')[0]?.trim() ?? '';
  return l ? l.slice(0, 200) : '(no message)';
}

/**
 * A 403 Status written by the API server's authorizer (impersonation included) or by RBAC itself:
 * escalation prevention, bind prevention, the aggregationRule check.
 */
export function isAuthorizerDenial(a: Answer): boolean {
  const m = a.message ?? '';
  return a.status === 403 && a.reason === 'Forbidden' && (AUTHORIZER_DENIAL.test(m) || RBAC_REGISTRY_DENIAL.test(m));
}

/** A 403 Status written by Pod Security admission. */
export function isPodSecurityDenial(a: Answer): boolean {
  return a.status === 403 && a.reason === 'Forbidden' && POD_SECURITY_DENIAL.test(a.message ?? '');
}
