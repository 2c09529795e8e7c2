import type { Criterion } from '@isoproof/core';
import type { ActorIdentity } from '@isoproof/kube';
import { validateIdentity } from '@isoproof/kube';
import { knownResources, resourceInfo } from './resources';

/** Verbs an attempt can make. Besides the API verbs: exec/attach/portforward (WebSocket upgrade),
 * escalate (create a Role with more rights), bind (create a RoleBinding to a stronger role),
 * impersonate (a harmless request with an Impersonate-User header). */
export const VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'exec',
  'attach',
  'portforward',
  'escalate',
  'bind',
  'impersonate',
] as const;
export type Verb = (typeof VERBS)[number];

export interface RoleRefSpec {
  kind: 'Role' | 'ClusterRole';
  name: string;
}

export interface PolicyRuleSpec {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** One attempt of a criterion (spec.attempts[i] or spec.control). */
export interface AttemptSpec {
  verb: Verb;
  /** `secrets`, `pods/log`, `serviceaccounts/token`; for exec/attach/portforward `pods`; for escalate
   * `roles|clusterroles`; for bind `rolebindings|clusterrolebindings`; for impersonate `users|groups|serviceaccounts|uids|userextras/<key>`. */
  resource: string;
  namespace?: string;
  /** Object name (get/update/patch/delete), the pod (exec), the user to impersonate. */
  name?: string;
  /** Pick the first running pod with these labels (exec/attach/portforward/log), read as the admin. */
  selector?: Record<string, string>;
  container?: string;
  /** exec: the command (default ["true"]: harmless, absent from agnhost images so nothing runs). */
  command?: string[];
  /** portforward: the port (default 8080). */
  port?: number;
  /** bind: the role to bind (default ClusterRole admin). */
  roleRef?: RoleRefSpec;
  /** escalate: the rules of the Role to create (default `*` on `*`). */
  rules?: PolicyRuleSpec[];
  /**
   * impersonate groups/uids/userextras: the user impersonated alongside (the API server always needs
   * one and checks it first). Name a user the identity may impersonate: a refusal of this user
   * leaves the group question unasked (INCONCLUSIVE). Default isoproof:impersonated.
   */
  asUser?: string;
}

export interface RbacSpec {
  identity: ActorIdentity;
  expect: 'denied' | 'allowed';
  attempts: AttemptSpec[];
  /** Required for expect denied: an action the same identity is allowed to do. */
  control?: AttemptSpec;
  /** Namespace of this identity's access matrix (default: the control's namespace). */
  homeNamespace?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

const RESOURCE_VERBS: Partial<Record<Verb, string[]>> = {
  exec: ['pods', 'pods/exec'],
  attach: ['pods', 'pods/attach'],
  portforward: ['pods', 'pods/portforward'],
  escalate: ['roles', 'clusterroles'],
  bind: ['rolebindings', 'clusterrolebindings'],
  impersonate: ['users', 'groups', 'serviceaccounts', 'uids', 'userextras/<key>'],
};

function resourceAllowed(allowed: string[], resource: string): boolean {
  return allowed.includes(resource) || (allowed.includes('userextras/<key>') && /^userextras\/[a-z0-9.\-_/%]+$/i.test(resource));
}

export function validateAttempt(v: unknown, where: string): string[] {
  if (!isObj(v)) return [`${where}: must be a mapping {verb, resource, namespace?, name?}`];
  const errs: string[] = [];
  if (!VERBS.includes(v.verb as Verb)) errs.push(`${where}.verb: must be one of ${VERBS.join(', ')} (got ${JSON.stringify(v.verb)})`);
  if (!isStr(v.resource)) errs.push(`${where}.resource: required`);
  else {
    const allowed = RESOURCE_VERBS[v.verb as Verb];
    if (allowed) {
      if (!resourceAllowed(allowed, v.resource)) errs.push(`${where}.resource: ${String(v.verb)} works on ${allowed.join(' or ')} (got ${v.resource})`);
    } else if (!resourceInfo(v.resource)) {
      errs.push(`${where}.resource: unknown resource ${v.resource} (known: ${knownResources().join(', ')})`);
    } else {
      const info = resourceInfo(v.resource)!;
      if (info.namespaced && !isStr(v.namespace)) errs.push(`${where}.namespace: ${v.resource} is namespaced; name the namespace`);
    }
  }
  if (v.namespace !== undefined && !isStr(v.namespace)) errs.push(`${where}.namespace: must be a string`);
  if (v.name !== undefined && !isStr(v.name)) errs.push(`${where}.name: must be a string`);
  if (v.selector !== undefined && (!isObj(v.selector) || !Object.values(v.selector).every((x) => typeof x === 'string'))) {
    errs.push(`${where}.selector: must map label names to strings`);
  }
  if (v.command !== undefined && (!isStrList(v.command) || v.command.length === 0)) errs.push(`${where}.command: must be a non-empty list of strings`);
  if (v.port !== undefined && !(Number.isInteger(v.port) && (v.port as number) > 0 && (v.port as number) < 65536)) errs.push(`${where}.port: must be a TCP port`);
  if (v.roleRef !== undefined) {
    if (!isObj(v.roleRef) || !['Role', 'ClusterRole'].includes(v.roleRef.kind as string) || !isStr(v.roleRef.name)) {
      errs.push(`${where}.roleRef: must be {kind: Role|ClusterRole, name}`);
    }
  }
  if (v.asUser !== undefined) {
    if (!isStr(v.asUser)) errs.push(`${where}.asUser: must be a user name`);
    else if (v.verb !== 'impersonate' || !/^(groups|uids|userextras\/)/.test(String(v.resource))) errs.push(`${where}.asUser: only for impersonate groups, uids or userextras/<key>`);
  }
  if (v.rules !== undefined && (!Array.isArray(v.rules) || !v.rules.every((r) => isObj(r) && isStrList(r.verbs)))) {
    errs.push(`${where}.rules: must be a list of policy rules with verbs`);
  }
  if (['exec', 'attach', 'portforward', 'escalate', 'bind', 'deletecollection'].includes(v.verb as string) && !isStr(v.namespace) && !(v.resource as string)?.startsWith('cluster')) {
    errs.push(`${where}.namespace: ${String(v.verb)} needs a namespace`);
  }
  return errs;
}

/** Validates an rbac criterion's spec; messages are relative to `spec`. */
export function validateRbacSpec(c: Criterion): string[] {
  const s = c.spec;
  const errs = validateIdentity(s.identity, 'identity');
  if (s.expect !== 'denied' && s.expect !== 'allowed') errs.push(`expect: must be denied or allowed (got ${JSON.stringify(s.expect)})`);
  if (!Array.isArray(s.attempts) || s.attempts.length === 0) errs.push('attempts: must be a non-empty list');
  else s.attempts.forEach((a, i) => errs.push(...validateAttempt(a, `attempts[${i}]`)));
  if (s.expect === 'denied') {
    if (s.control === undefined) errs.push('control: a denied expectation needs a control (an action the same identity is allowed to do) — no control, no PASS');
    else errs.push(...validateAttempt(s.control, 'control'));
  } else if (s.control !== undefined) errs.push(...validateAttempt(s.control, 'control'));
  return errs;
}

/** Normalises exec/attach/portforward to their subresource. */
export function effectiveResource(a: AttemptSpec): string {
  if (a.verb === 'exec' || a.verb === 'attach' || a.verb === 'portforward') return `pods/${a.verb}`;
  return a.resource;
}

export function attemptLabel(a: AttemptSpec): string {
  const r = effectiveResource(a);
  const target = a.name ? `${r}/${a.name}` : a.selector ? `${r}[${Object.entries(a.selector).map(([k, v]) => `${k}=${v}`).join(',')}]` : r;
  const extra = a.verb === 'bind' ? ` -> ${a.roleRef?.kind ?? 'ClusterRole'}/${a.roleRef?.name ?? 'admin'}` : '';
  return `${a.verb} ${target}${extra}${a.namespace ? ` in ${a.namespace}` : ''}`;
}
