import type { ResourceRef } from '@isoproof/core';
import type { RequestAttributes } from './explain';

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
