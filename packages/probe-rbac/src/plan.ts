import type { ResourceRef } from '@isoproof/core';
import { RUN_LABEL } from '@isoproof/core';
import { RbacPlanError } from './errors';
import type { RequestAttributes } from './explain';
import type { ResourceInfo } from './resources';
import { apiVersionOf, resourceInfo, resourcePath } from './resources';
import type { ActorIdentity, AttemptSpec } from './spec';
import { effectiveResource } from './spec';

/** The compliant image every probe body uses (the only images the clusters hold are ours). */
export const PROBE_IMAGE = 'isoproof.local/agnhost:2.56-isoproof1';

/** The real HTTP request one attempt makes, and the attributes of its SelfSubjectAccessReview. */
export interface PlannedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  contentType?: string;
  /**
   * Streaming upgrade (exec/attach/portforward): 101 = allowed. `websocket` (default) is a GET, which
   * the API server authorizes as verb get; `spdy` is the POST that SPDY clients send, authorized as
   * create. The planner plans the WebSocket one; {@link spdyVariant} gives the other.
   */
  upgrade?: { protocols: string[]; kind?: 'websocket' | 'spdy' };
  /** Extra headers sent as the identity (impersonate). */
  headers?: Record<string, string>;
  /** The cross-check: what SelfSubjectAccessReview is asked. */
  ssar: RequestAttributes;
  /** Attributes whose grants explain an unexpected allow. */
  explain: RequestAttributes[];
  target: ResourceRef;
  dryRun: boolean;
  /** Said in the evidence notes (how to read the answer). */
  note?: string;
  /**
   * Impersonation of a group, uid or extra: asked together with `viaUser`, which the API server
   * checks first. Only a refusal naming `asked` answers the question (see scopeImpersonation).
   */
  impersonation?: { asked: 'groups' | 'uids' | 'userextras'; viaUser: string };
  /** A watch: evidence keeps event types and object names only (see watchSummary). */
  watch?: boolean;
  /** A bind attempt: the role it binds (a 404 means the role was not found, see bindAnswer). */
  bindRole?: string;
}

/** The user impersonated alongside a group/uid/extra when the attempt names none (asUser). */
export const IMPERSONATED_USER = 'isoproof:impersonated';

export interface PlanContext {
  runId: string;
  identity: ActorIdentity;
  /** Pod resolved from `selector` (exec/attach/portforward/log). */
  podName?: string;
}

/** Name of the objects probes create in dry-run (never persisted). */
export function probeName(runId: string, suffix = 'probe'): string {
  return `isoproof-${suffix}-${runId}`.toLowerCase().slice(0, 63);
}

function meta(name: string, runId: string, namespace?: string): Record<string, unknown> {
  const m: Record<string, unknown> = { name, labels: { [RUN_LABEL]: runId } };
  if (namespace) m.namespace = namespace;
  return m;
}

/** The probe container every restricted-profile pod uses: uid 1000, read-only root, no capability, no escalation. */
export function restrictedContainer(image = PROBE_IMAGE) {
  return {
    name: 'probe',
    image,
    imagePullPolicy: 'IfNotPresent',
    args: ['pause'],
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      capabilities: { drop: ['ALL'] },
    },
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } },
  };
}

export function restrictedPodSpec(): Record<string, unknown> {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 3000, seccompProfile: { type: 'RuntimeDefault' } },
    automountServiceAccountToken: false,
    containers: [restrictedContainer()],
  };
}

export function subjectOf(id: ActorIdentity): Record<string, string> {
  switch (id.kind) {
    case 'ServiceAccount':
      return { kind: 'ServiceAccount', name: id.name, namespace: id.namespace };
    case 'User':
      return { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: id.name };
    case 'Group':
      return { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: id.name };
    case 'Anonymous':
      return { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:anonymous' };
  }
}

/** A minimal valid object of `info`'s kind, for dry-run create/update. */
export function probeBody(info: ResourceInfo, name: string, runId: string, namespace?: string): Record<string, unknown> {
  const base = { apiVersion: apiVersionOf(info), kind: info.kind, metadata: meta(name, runId, info.namespaced ? namespace : undefined) };
  switch (info.resource) {
    case 'configmaps':
      return { ...base, data: { probe: 'isoproof' } };
    case 'secrets':
      return { ...base, type: 'Opaque', data: {} };
    case 'services':
      return { ...base, spec: { selector: { [RUN_LABEL]: runId }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } };
    case 'pods':
      return { ...base, spec: restrictedPodSpec() };
    case 'deployments':
    case 'statefulsets':
    case 'daemonsets': {
      const labels = { [RUN_LABEL]: runId };
      const spec: Record<string, unknown> = {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: restrictedPodSpec() },
      };
      if (info.resource !== 'daemonsets') spec.replicas = 0;
      if (info.resource === 'statefulsets') spec.serviceName = name;
      return { ...base, spec };
    }
    case 'jobs':
      return { ...base, spec: { template: { spec: { ...restrictedPodSpec(), restartPolicy: 'Never' } } } };
    case 'networkpolicies':
      return { ...base, spec: { podSelector: { matchLabels: { [RUN_LABEL]: runId } }, policyTypes: ['Ingress'] } };
    case 'roles':
    case 'clusterroles':
      return { ...base, rules: [] };
    case 'rolebindings':
    case 'clusterrolebindings':
      // Binds the empty ClusterRole-less "view"? No: a Role of ours that does not exist grants nothing.
      return {
        ...base,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: info.resource === 'rolebindings' ? 'Role' : 'ClusterRole', name },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'isoproof:nobody' }],
      };
    case 'persistentvolumeclaims':
      return { ...base, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } };
    case 'ingresses':
      return { ...base, spec: { rules: [{ host: 'probe.isoproof.local' }] } };
    case 'events':
      return { ...base, involvedObject: { kind: 'Namespace', name: namespace ?? 'default' }, reason: 'IsoproofProbe', message: 'probe' };
    default:
      return base;
  }
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
      return {
        method: 'POST',
        path: resourcePath(info, ns),
        query: DRY,
        body,
        ssar: attrs(info, 'create', ns),
        explain: [attrs(info, 'escalate', ns, n), attrs(info, 'create', ns)],
        target: ref(info, n, ns),
        dryRun: true,
      };
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
      return {
        method: 'POST',
        path: resourcePath(info, ns),
        query: DRY,
        body,
        ssar: attrs(info, 'create', ns),
        explain: [bindAttrs, attrs(info, 'create', ns)],
        target: ref(info, n, ns),
        dryRun: true,
        bindRole: `${roleRef.kind} ${roleRef.name}`,
      };
    }
    case 'impersonate': {
      const who = a.name ?? 'system:admin';
      const viaUser = a.asUser ?? IMPERSONATED_USER;
      const extraKey = a.resource.startsWith('userextras/') ? a.resource.slice('userextras/'.length) : undefined;
      const resource = extraKey !== undefined ? 'userextras' : a.resource;
      let headers: Record<string, string>;
      const ssar: RequestAttributes = { verb: 'impersonate', group: '', resource, name: who };
      switch (resource) {
        case 'serviceaccounts':
          headers = { 'Impersonate-User': `system:serviceaccount:${ns ?? 'default'}:${who}` };
          if (ns) ssar.namespace = ns;
          break;
        case 'groups':
          headers = { 'Impersonate-User': viaUser, 'Impersonate-Group': who };
          break;
        case 'uids':
          headers = { 'Impersonate-User': viaUser, 'Impersonate-Uid': who };
          ssar.group = 'authentication.k8s.io';
          break;
        case 'userextras':
          headers = { 'Impersonate-User': viaUser, [`Impersonate-Extra-${extraKey}`]: who };
          ssar.group = 'authentication.k8s.io';
          ssar.subresource = extraKey as string;
          break;
        default:
          headers = { 'Impersonate-User': who };
      }
      const p: PlannedRequest = {
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        query: {},
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        headers,
        ssar,
        explain: [ssar],
        target: { kind: resource === 'users' ? 'User' : resource === 'groups' ? 'Group' : resource === 'serviceaccounts' ? 'ServiceAccount' : resource === 'uids' ? 'UID' : 'UserExtra', name: who },
        dryRun: false,
      };
      if (resource === 'groups' || resource === 'uids' || resource === 'userextras') {
        p.impersonation = { asked: resource, viaUser };
        // The API server needs an Impersonate-User with any other impersonation header and authorizes
        // the user FIRST: a refusal of the user says nothing about the group/uid/extra. Only a refusal
        // naming the asked resource is a denial; a refused user leaves the attempt INCONCLUSIVE.
        p.note = `impersonating ${resource} ${who} together with user ${viaUser}${a.asUser ? '' : ' (default; set asUser to a user this identity may impersonate)'}: the API server checks the user first, so only a refusal naming ${resource} "${who}" is a denial`;
      }
      return p;
    }
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

/**
 * The SPDY form of a WebSocket upgrade attempt: the same path and query, as a POST with
 * `Upgrade: SPDY/3.1` (how SPDY clients exec/attach/port-forward). A streaming subresource is
 * reachable when EITHER form is: a Role with only `create` on pods/exec refuses the WebSocket GET
 * yet lets an SPDY client in, a Role with only `get` the reverse. Undefined for other attempts.
 */
export function spdyVariant(p: PlannedRequest): PlannedRequest | undefined {
  if (!p.upgrade || p.upgrade.kind === 'spdy') return undefined;
  const portforward = p.path.endsWith('/portforward');
  const protocols = portforward ? ['portforward.k8s.io'] : ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
  return { ...p, method: 'POST', upgrade: { kind: 'spdy', protocols } };
}

/** Query string with the exec `command` list expanded to repeated parameters. */
export function queryString(q: Record<string, string>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (k === 'command') for (const c of JSON.parse(v) as string[]) sp.append('command', c);
    else sp.set(k, v);
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}
