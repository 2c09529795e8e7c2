import type { ResourceRef } from '@isoproof/core';
import { RUN_LABEL } from '@isoproof/core';
import { RbacPlanError } from './errors';
import type { RequestAttributes } from './explain';
import type { ResourceInfo } from './resources';
import { apiVersionOf, resourceInfo, resourcePath } from './resources';
import type { ActorIdentity } from '@isoproof/kube';
import { planImpersonation } from './plan-impersonate';
import type { PlannedRequest } from './planned-request';
import { probeBody, probeName, subjectOf } from './probe-body';
import type { AttemptSpec } from './spec';
import { effectiveResource } from './spec';

export interface PlanContext {
  runId: string;
  identity: ActorIdentity;
  /** Pod resolved from `selector` (exec/attach/portforward/log). */
  podName?: string;
}

/**
 * The request attributes as the API server derives them from the request (RequestInfo): a path
 * /api/v1/namespaces/{name}[/subresource] is read as namespace = name, so the SelfSubjectAccessReview
 * of such a request carries it too (RBAC matches a RoleBinding in that namespace).
 */
function attrs(info: ResourceInfo, verb: string, namespace: string | undefined, name?: string, byPath = true): RequestAttributes {
  const a: RequestAttributes = { verb, group: info.group, resource: info.resource };
  if (info.subresource) a.subresource = info.subresource;
  if (name !== undefined) a.name = name;
  if (info.namespaced && namespace) a.namespace = namespace;
  else if (byPath && info.group === '' && info.resource === 'namespaces' && name !== undefined) a.namespace = name;
  return a;
}

function ref(info: ResourceInfo, name: string, namespace?: string): ResourceRef {
  const r: ResourceRef = { kind: info.kind, name, apiVersion: apiVersionOf(info) };
  if (info.namespaced && namespace) r.namespace = namespace;
  return r;
}

const DRY = { dryRun: 'All' };

/** A server-side dry-run create of `body` (escalate, bind): reviewed as create, explained by `explain`. */
function dryRunCreate(info: ResourceInfo, ns: string | undefined, name: string, body: Record<string, unknown>, explain: RequestAttributes[]): PlannedRequest {
  return { method: 'POST', path: resourcePath(info, ns), query: DRY, body, ssar: attrs(info, 'create', ns), explain, target: ref(info, name, ns), dryRun: true };
}

/**
 * Plans the real request of one attempt. Pure: the pod name (from a selector) is resolved by the
 * caller. Mutations are server-side dry-runs; exec/attach/portforward are WebSocket upgrades.
 */
export function planAttempt(a: AttemptSpec, pc: PlanContext): PlannedRequest {
  const ns = a.namespace;
  const synthetic = probeName(pc.runId);
  switch (a.verb) {
    case 'get':
    case 'list':
    case 'watch':
    case 'create':
    case 'update':
    case 'patch':
    case 'delete':
    case 'deletecollection': {
      const info = resourceInfo(a.resource);
      if (!info) throw new RbacPlanError(`unknown resource ${a.resource}`);
      const sub = info.subresource;
      const name = a.name ?? (sub === 'log' || sub === 'exec' ? pc.podName : undefined);
      if (sub) return planSubresource(a, info, ns, name ?? pc.podName ?? synthetic, pc);
      switch (a.verb) {
        case 'get': {
          const n = name ?? synthetic;
          return { method: 'GET', path: resourcePath(info, ns, n), query: {}, ssar: attrs(info, 'get', ns, n), explain: [attrs(info, 'get', ns, n)], target: ref(info, n, ns), dryRun: false };
        }
        case 'list': {
          const q: Record<string, string> = { limit: '1' };
          if (name) q.fieldSelector = `metadata.name=${name}`;
          return { method: 'GET', path: resourcePath(info, ns), query: q, ssar: attrs(info, 'list', ns, name, false), explain: [attrs(info, 'list', ns, name, false)], target: ref(info, name ?? '*', ns), dryRun: false };
        }
        case 'watch': {
          const q: Record<string, string> = { watch: 'true', timeoutSeconds: '1', allowWatchBookmarks: 'false' };
          if (name) q.fieldSelector = `metadata.name=${name}`;
          return { method: 'GET', path: resourcePath(info, ns), query: q, ssar: attrs(info, 'watch', ns, name, false), explain: [attrs(info, 'watch', ns, name, false)], target: ref(info, name ?? '*', ns), dryRun: false, watch: true };
        }
        case 'create': {
          const n = name ?? synthetic;
          return { method: 'POST', path: resourcePath(info, ns), query: DRY, body: probeBody(info, n, pc.runId, ns), ssar: attrs(info, 'create', ns), explain: [attrs(info, 'create', ns)], target: ref(info, n, ns), dryRun: true };
        }
        case 'update': {
          const n = name ?? synthetic;
          return { method: 'PUT', path: resourcePath(info, ns, n), query: DRY, body: probeBody(info, n, pc.runId, ns), ssar: attrs(info, 'update', ns, n), explain: [attrs(info, 'update', ns, n)], target: ref(info, n, ns), dryRun: true };
        }
        case 'patch': {
          const n = name ?? synthetic;
          return {
            method: 'PATCH',
            path: resourcePath(info, ns, n),
            query: DRY,
            body: { metadata: { annotations: { 'isoproof.dev/probe': pc.runId } } },
            contentType: 'application/merge-patch+json',
            ssar: attrs(info, 'patch', ns, n),
            explain: [attrs(info, 'patch', ns, n)],
            target: ref(info, n, ns),
            dryRun: true,
          };
        }
        case 'delete': {
          const n = name ?? synthetic;
          return { method: 'DELETE', path: resourcePath(info, ns, n), query: DRY, ssar: attrs(info, 'delete', ns, n), explain: [attrs(info, 'delete', ns, n)], target: ref(info, n, ns), dryRun: true };
        }
        case 'deletecollection':
          return {
            method: 'DELETE',
            path: resourcePath(info, ns),
            query: { ...DRY, labelSelector: `${RUN_LABEL}=${pc.runId}` },
            ssar: attrs(info, 'deletecollection', ns),
            explain: [attrs(info, 'deletecollection', ns)],
            target: ref(info, '*', ns),
            dryRun: true,
          };
      }
      break;
    }
    case 'exec':
    case 'attach':
    case 'portforward': {
      const info = resourceInfo(effectiveResource(a))!;
      return planSubresource(a, info, ns, a.name ?? pc.podName ?? synthetic, pc);
    }
    case 'escalate': {
      const info = resourceInfo(a.resource)!;
      const n = probeName(pc.runId, 'escalate');
      const rules = a.rules ?? [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
      const body = { ...probeBody(info, n, pc.runId, ns), rules };
      return dryRunCreate(info, ns, n, body, [attrs(info, 'escalate', ns, n), attrs(info, 'create', ns)]);
    }
    case 'bind': {
      const info = resourceInfo(a.resource)!;
      const n = probeName(pc.runId, 'bind');
      const roleRef = a.roleRef ?? { kind: 'ClusterRole', name: 'admin' };
      const body = {
        ...probeBody(info, n, pc.runId, ns),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleRef.kind, name: roleRef.name },
        subjects: [subjectOf(pc.identity)],
      };
      const roleInfo = resourceInfo(roleRef.kind === 'Role' ? 'roles' : 'clusterroles')!;
      const bindAttrs: RequestAttributes = { verb: 'bind', group: roleInfo.group, resource: roleInfo.resource, name: roleRef.name };
      if (info.namespaced && ns) bindAttrs.namespace = ns;
      return { ...dryRunCreate(info, ns, n, body, [bindAttrs, attrs(info, 'create', ns)]), bindRole: `${roleRef.kind} ${roleRef.name}` };
    }
    case 'impersonate':
      return planImpersonation(a);
  }
  throw new RbacPlanError(`unsupported verb ${String(a.verb)}`);
}

function planSubresource(a: AttemptSpec, info: ResourceInfo, ns: string | undefined, pod: string, pc: PlanContext): PlannedRequest {
  const sub = info.subresource;
  const path = resourcePath(info, ns, pod);
  const target = ref(resourceInfo(info.resource)!, pod, ns);
  if (sub === 'exec' || sub === 'attach' || sub === 'portforward') {
    const query: Record<string, string> = {};
    if (sub === 'exec') {
      // repeated "command" params are joined by the caller (see queryString)
      query.command = JSON.stringify(a.command ?? ['true']);
      query.stdout = 'true';
      query.stderr = 'true';
    } else if (sub === 'attach') {
      query.stdout = 'true';
    } else {
      query.ports = String(a.port ?? 8080);
    }
    if (a.container && sub !== 'portforward') query.container = a.container;
    const protocols =
      sub === 'portforward'
        ? ['SPDY/3.1+portforward.k8s.io', 'v4.channel.k8s.io', 'portforward.k8s.io']
        : ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'];
    const ssar = attrs(info, 'create', ns, pod);
    return { method: 'GET', path, query, upgrade: { protocols }, ssar, explain: [ssar, attrs(info, 'get', ns, pod)], target, dryRun: false };
  }
  if (sub === 'log') {
    const q: Record<string, string> = { limitBytes: '1', tailLines: '1' };
    if (a.container) q.container = a.container;
    return { method: 'GET', path, query: q, ssar: attrs(info, 'get', ns, pod), explain: [attrs(info, 'get', ns, pod)], target, dryRun: false };
  }
  if (info.resource === 'serviceaccounts' && sub === 'token') {
    const sa = a.name ?? 'default';
    // A TokenRequest mints a real token even under dryRun (v1.34). Bound to a Secret that does not
    // exist, the API server answers 404 for that Secret after authorization (so the question is
    // answered: 404 = authorized) and before signing anything: no token is minted.
    const anchor = probeName(pc.runId, 'never');
    return {
      method: 'POST',
      path: resourcePath(info, ns, sa),
      query: DRY,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600, boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: anchor } },
      },
      ssar: attrs(info, 'create', ns, sa),
      explain: [attrs(info, 'create', ns, sa)],
      target: ref(resourceInfo('serviceaccounts')!, sa, ns),
      dryRun: true,
      note: `a TokenRequest mints a real token even with dryRun=All; this one is bound to Secret ${anchor}, which does not exist, so an authorized request is answered 404 for that Secret and no token is minted (a 201 would mean a token was minted: it is never stored or shown and expires in 600 s)`,
    };
  }
  // other subresources (status, scale, ephemeralcontainers): the verb as given
  const verb = a.verb === 'list' || a.verb === 'watch' ? 'get' : a.verb;
  const method = verb === 'get' ? 'GET' : verb === 'patch' ? 'PATCH' : verb === 'update' ? 'PUT' : verb === 'delete' ? 'DELETE' : 'POST';
  const p: PlannedRequest = { method, path, query: method === 'GET' ? {} : DRY, ssar: attrs(info, verb, ns, pod), explain: [attrs(info, verb, ns, pod)], target, dryRun: method !== 'GET' };
  if (method === 'PATCH') {
    p.body = { metadata: { annotations: { 'isoproof.dev/probe': pc.runId } } };
    p.contentType = 'application/merge-patch+json';
  }
  return p;
}

