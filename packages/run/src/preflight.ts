import pLimit from 'p-limit';
import type { Criterion } from '@isoproof/core';
import { codedError } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { rawRequest } from '@isoproof/kube';

/** One right a run needs, as a SelfSubjectAccessReview's resourceAttributes (cluster-wide). */
export interface Right {
  verb: string;
  /** API group ('' for the core group). */
  group: string;
  /** Plural resource name. */
  resource: string;
  subresource?: string;
}

/** The kubeconfig's user lacks rights a run needs (checked before anything is applied). */
export class MissingRightsError extends codedError('ISOPROOF_MISSING_RIGHTS') {
  readonly missing: Right[];
  constructor(message: string, missing: Right[]) {
    super(message);
    this.missing = missing;
  }
}

const IRREGULAR: Record<string, string> = { Endpoints: 'endpoints' };

/** The REST resource of a kind, as the API server names it (kubectl's plural rules). Pure. */
export function resourceForKind(kind: string): string {
  const irregular = IRREGULAR[kind];
  if (irregular) return irregular;
  const k = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/** "create namespaces", "patch deployments.apps", "create serviceaccounts/token". Pure. */
export function rightLabel(r: Right): string {
  return `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}${r.group ? `.${r.group}` : ''}`;
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Identities named in criteria specs (`identity: {kind: ...}` at any depth). */
function identityKinds(criteria: Criterion[]): Array<{ kind: string; groups: boolean }> {
  const out: Array<{ kind: string; groups: boolean }> = [];
  const walk = (v: unknown, key?: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (key === 'identity' && typeof o.kind === 'string') {
      out.push({ kind: o.kind, groups: Array.isArray(o.groups) && o.groups.length > 0 });
    }
    for (const [k, x] of Object.entries(o)) walk(x, k);
  };
  for (const c of criteria) walk(c.spec);
  return out;
}

/** Verbs used on every kind the scenarios apply: server-side apply (patch, create when absent),
 * readiness reads, prune lists, removal. */
export const APPLY_VERBS = ['create', 'patch', 'get', 'list', 'delete'] as const;

/**
 * The rights a run of scenarios needs, from the kinds their manifests (overlays included) apply and
 * the criteria they evaluate. Pure (table-tested): namespaces (create, delete); every applied kind
 * (APPLY_VERBS); serviceaccounts/token when a criterion acts as a ServiceAccount or probes secrets
 * access; impersonation of users/groups when a criterion acts as a user, group or anonymous;
 * pods/exec when probes run commands in pods (network, workload).
 */
export function requiredRights(input: { objects: Array<{ apiVersion: string; kind: string }>; criteria: Criterion[] }): Right[] {
  const rights: Right[] = [];
  const seen = new Set<string>();
  const add = (r: Right) => {
    const key = rightLabel(r);
    if (seen.has(key)) return;
    seen.add(key);
    rights.push(r);
  };
  add({ verb: 'create', group: '', resource: 'namespaces' });
  add({ verb: 'delete', group: '', resource: 'namespaces' });
  const kinds = new Map<string, { group: string; resource: string }>();
  for (const o of input.objects) {
    const group = groupOf(o.apiVersion);
    kinds.set(`${group}/${o.kind}`, { group, resource: resourceForKind(o.kind) });
  }
  for (const verb of APPLY_VERBS) {
    for (const { group, resource } of kinds.values()) add({ verb, group, resource });
  }
  const ids = identityKinds(input.criteria);
  const probes = new Set(input.criteria.map((c) => c.probe));
  if (ids.some((i) => i.kind === 'ServiceAccount') || probes.has('secrets')) {
    add({ verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token' });
  }
  if (ids.some((i) => i.kind === 'User' || i.kind === 'Group' || i.kind === 'Anonymous')) {
    add({ verb: 'impersonate', group: '', resource: 'users' });
  }
  if (ids.some((i) => i.kind === 'Group' || i.kind === 'Anonymous' || i.groups)) {
    add({ verb: 'impersonate', group: '', resource: 'groups' });
  }
  if (probes.has('network') || probes.has('workload')) {
    add({ verb: 'create', group: '', resource: 'pods', subresource: 'exec' });
  }
  return rights;
}

/** The one-line error naming the first missing rights (undefined when none is missing). Pure. */
export function missingRightsError(user: string, missing: Right[], shown = 3): MissingRightsError | undefined {
  if (missing.length === 0) return undefined;
  const first = missing.slice(0, shown).map(rightLabel).join(', ');
  const more = missing.length > shown ? ` (and ${missing.length - shown} more)` : '';
  return new MissingRightsError(
    `the kubeconfig's user "${user}" cannot ${first}${more}; use a cluster-admin kubeconfig or grant them`,
    missing,
  );
}

/** The user the API server sees (SelfSubjectReview); the kubeconfig's user entry name if unavailable. */
export async function currentUser(kube: KubeHandle, timeoutMs = 10_000): Promise<string> {
  try {
    const res = await rawRequest(kube, {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      timeoutMs,
    });
    const name = (res.body as { status?: { userInfo?: { username?: string } } } | undefined)?.status?.userInfo?.username;
    if (res.status < 300 && name) return name;
  } catch {
    /* fall back */
  }
  return kube.kc.getCurrentUser()?.name ?? 'unknown';
}

/**
 * Asks the API server (SelfSubjectAccessReviews, a few at a time) which of `rights` the kubeconfig's
 * user lacks. A review the server refuses (e.g. 403 for an anonymous user) counts the right as
 * missing; a transport failure throws.
 */
export async function missingRights(kube: KubeHandle, rights: Right[], opts: { timeoutMs?: number; concurrency?: number } = {}): Promise<Right[]> {
  const allowed = await pLimit(opts.concurrency ?? 8).map(rights, async (r) => {
    const res = await rawRequest(kube, {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: r.verb, group: r.group, resource: r.resource, ...(r.subresource ? { subresource: r.subresource } : {}) } },
      },
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
    return res.status < 300 && (res.body as { status?: { allowed?: boolean } } | undefined)?.status?.allowed === true;
  });
  return rights.filter((_, i) => !allowed[i]);
}

/** Throws one MissingRightsError (ISOPROOF_MISSING_RIGHTS) when the kubeconfig's user lacks any of `rights`. */
export async function assertRights(kube: KubeHandle, rights: Right[]): Promise<void> {
  const missing = await missingRights(kube, rights);
  if (missing.length === 0) return;
  const err = missingRightsError(await currentUser(kube), missing);
  if (err) throw err;
}
