import type { Check, Criterion, Observation, ProbeFamily, ReportSection } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import type { ActorIdentity, KubeHandle } from '@isoproof/kube';
import { defineProbeFamily, describeIdentity, findPods, identityKey, KubeApiError, rawRequest, userInfoOf } from '@isoproof/kube';
import type { AttemptResult } from './attempt';
import { runAttempt } from './attempt';
import type { Binding, RbacSnapshot, RoleObject } from './explain';
import { explainGrant, formatGrants } from './explain';
import type { CellResult } from './matrix';
import { cellKey, MATRIX_ROWS, matrixAttempts, matrixSection } from './matrix';
import { planAttempt } from './plan';
import type { AttemptSpec, RbacSpec } from './spec';
import { attemptLabel, validateRbacSpec } from './spec';

export interface RbacFamilyOptions {
  /** Probe the access matrix of every identity (default true). */
  matrix?: boolean;
  /** Parallel requests (default 6). */
  concurrency?: number;
}

/** Runs `fn` over `items` with at most `n` in flight, results in order. */
export async function pool<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

function errorObservation(sent: string, error: string): Observation {
  return { outcome: 'error', result: 'probe-error', error: defaultRedactor.redactText(error), evidence: { sent } };
}

/** The namespace an identity's matrix is probed in. */
export function homeNamespace(id: ActorIdentity, specs: RbacSpec[]): string | undefined {
  if (id.kind === 'ServiceAccount') return id.namespace;
  for (const s of specs) {
    if (s.homeNamespace) return s.homeNamespace;
  }
  for (const s of specs) if (s.control?.namespace) return s.control.namespace;
  for (const s of specs) for (const a of s.attempts) if (a.namespace) return a.namespace;
  return undefined;
}

interface Row {
  criterion: string;
  identity: ActorIdentity;
  attempt: AttemptSpec;
  result: AttemptResult;
  expect: 'denied' | 'allowed';
}

/**
 * The 'rbac' probe family: every attempt is made for real as the criterion's identity (TokenRequest
 * for ServiceAccounts, impersonation for users/groups), mutations as server-side dry-runs,
 * exec/attach/portforward as WebSocket and SPDY upgrades, with a SelfSubjectAccessReview cross-check.
 */
export function rbacFamily(options: RbacFamilyOptions = {}): ProbeFamily {
  const concurrency = options.concurrency ?? 6;

  return defineProbeFamily({
    kind: 'rbac',
    validateSpec: validateRbacSpec,
    async run(criteria, ctx, out) {
      const podCache = new Map<string, Promise<string | undefined>>();
      const resolvePod = (ns: string, sel: Record<string, string>) => {
        const key = `${ns}|${JSON.stringify(sel)}`;
        let p = podCache.get(key);
        if (!p) {
          p = findPods(out.kube, ns, sel).then(
            (pods) => pods[0]?.metadata?.name,
            () => undefined,
          );
          podCache.set(key, p);
        }
        return p;
      };

      const attempt = async (id: ActorIdentity, a: AttemptSpec): Promise<AttemptResult | Observation> => {
        const who = describeIdentity(id);
        let handle: KubeHandle;
        try {
          handle = await out.identities.get(id);
        } catch (e) {
          return errorObservation(`${attemptLabel(a)} as ${who}`, `cannot act as ${who}: ${(e as Error).message}`);
        }
        if (a.verb === 'impersonate' && id.kind !== 'ServiceAccount') {
          return errorObservation(
            `${attemptLabel(a)} as ${who}`,
            'impersonate can only be attempted with a ServiceAccount\'s own token: this identity is itself impersonated by the harness',
          );
        }
        let podName: string | undefined;
        if (a.selector && a.namespace) {
          podName = await resolvePod(a.namespace, a.selector);
          if (!podName) return errorObservation(`${attemptLabel(a)} as ${who}`, `no running pod matches ${JSON.stringify(a.selector)} in ${a.namespace}`);
        }
        const pc = podName ? { runId: ctx.run.id, identity: id, podName } : { runId: ctx.run.id, identity: id };
        const r = await runAttempt(handle, planAttempt(a, pc), who);
        const minted = out.identities.tokenNotes.get(identityKey(id));
        if (minted) r.observation.evidence.notes = [...(r.observation.evidence.notes ?? []), minted];
        return r;
      };
      const obsOf = (r: AttemptResult | Observation): Observation => ('observation' in r ? r.observation : r);

      const rows: Row[] = [];
      const specs = new Map<string, { id: ActorIdentity; specs: RbacSpec[] }>();

      // criteria attempts (and one control per criterion)
      const jobs: Array<{ c: Criterion; s: RbacSpec; a: AttemptSpec; kind: 'attempt' | 'control' }> = [];
      for (const c of criteria) {
        const s = c.spec as unknown as RbacSpec;
        const key = identityKey(s.identity);
        const entry = specs.get(key) ?? { id: s.identity, specs: [] };
        entry.specs.push(s);
        specs.set(key, entry);
        for (const a of s.attempts) jobs.push({ c, s, a, kind: 'attempt' });
        if (s.control) jobs.push({ c, s, a: s.control, kind: 'control' });
      }
      ctx.log(`rbac: ${jobs.length} attempts for ${criteria.length} criteria, ${specs.size} identities`);
      const results = await pool(jobs, concurrency, (j) => attempt(j.s.identity, j.a));

      for (const c of criteria) out.checks(c.id);
      const controls = new Map<string, Observation>();
      jobs.forEach((j, i) => {
        if (j.kind === 'control') controls.set(j.c.id, obsOf(results[i]!));
      });
      jobs.forEach((j, i) => {
        if (j.kind !== 'attempt') return;
        const r = results[i]!;
        const check: Check = { id: `${identityKey(j.s.identity)} ${attemptLabel(j.a)}`, expect: j.s.expect, observation: obsOf(r) };
        const control = controls.get(j.c.id);
        if (control) check.control = control;
        out.checks(j.c.id).push(check);
        if ('observation' in r) rows.push({ criterion: j.c.id, identity: j.s.identity, attempt: j.a, result: r, expect: j.s.expect });
      });
      jobs.forEach((j, i) => {
        const r = results[i]!;
        if (j.kind === 'control' && 'observation' in r) rows.push({ criterion: `${j.c.id} (control)`, identity: j.s.identity, attempt: j.a, result: r, expect: 'allowed' });
      });

      // access matrices
      const matrixRows: Row[] = [];
      const matrices: ReportSection[] = [];
      if (options.matrix !== false) {
        for (const { id, specs: list } of specs.values()) {
          const ns = homeNamespace(id, list);
          if (!ns) continue;
          const forbidden = new Set<string>();
          for (const s of list) if (s.expect === 'denied') for (const a of s.attempts) forbidden.add(cellKey(a));
          const cells = matrixAttempts(ns, MATRIX_ROWS, id.kind === 'ServiceAccount' ? id.name : 'default');
          const res = await pool(cells, concurrency, (cell) => attempt(id, cell.attempt));
          const cellResults: CellResult[] = cells.map((cell, i) => {
            const r = res[i]!;
            const o = obsOf(r);
            const state = o.outcome === 'allowed' ? 'allowed' : o.outcome === 'denied' ? 'denied' : 'error';
            const isForbidden = forbidden.has(cellKey(cell.attempt));
            if ('observation' in r) {
              if (r.disagreement || (isForbidden && state === 'allowed')) {
                matrixRows.push({ criterion: 'matrix', identity: id, attempt: cell.attempt, result: r, expect: isForbidden ? 'denied' : 'allowed' });
              }
            }
            return { resource: cell.resource, verb: cell.verb, state, disagreement: 'disagreement' in r ? r.disagreement : false, forbidden: isForbidden };
          });
          matrices.push(matrixSection(describeIdentity(id), ns, cellResults));
        }
      }

      // explanations of every forbidden-but-allowed cell
      const violations = [...rows, ...matrixRows].filter((r) => r.expect === 'denied' && r.result.observation.outcome === 'allowed');
      if (violations.length > 0) {
        const snap = await readSnapshot(out.kube).catch((e: unknown) => {
          ctx.log(`rbac: cannot read bindings for the explanation: ${(e as Error).message}`);
          return undefined;
        });
        const table: string[][] = [];
        for (const v of violations) {
          const grants = snap ? v.result.plan.explain.flatMap((a) => explainGrant(userInfoOf(v.identity), a, snap)) : [];
          const text = snap ? formatGrants(grants) : 'bindings not readable';
          v.result.observation.evidence.notes = [...(v.result.observation.evidence.notes ?? []), `granted by: ${text}`];
          for (const g of grants) {
            const [kind, ref] = g.binding.split(' ');
            const [nsOrName, maybeName] = (ref ?? '').split('/');
            const res = maybeName ? { kind: kind ?? 'RoleBinding', namespace: nsOrName ?? '', name: maybeName, apiVersion: 'rbac.authorization.k8s.io/v1' } : { kind: kind ?? 'ClusterRoleBinding', name: nsOrName ?? '', apiVersion: 'rbac.authorization.k8s.io/v1' };
            v.result.observation.evidence.resources = [...(v.result.observation.evidence.resources ?? []), res];
          }
          table.push([v.criterion, describeIdentity(v.identity), attemptLabel(v.attempt), v.result.observation.result, text]);
        }
        out.section({
          type: 'table',
          title: 'RBAC: forbidden but allowed',
          columns: ['criterion', 'identity', 'attempt', 'real answer', 'granted by'],
          rows: table,
          note: 'Each row is a real request that a criterion expects to be denied and the API server allowed.',
        });
      }

      out.section(...matrices);
      const dis = [...rows, ...matrixRows].filter((r) => r.result.disagreement);
      out.section({
        type: 'table',
        title: 'RBAC: SelfSubjectAccessReview vs real attempt',
        columns: ['where', 'identity', 'attempt', 'SelfSubjectAccessReview', 'real attempt (decides)'],
        rows: dis.map((r) => [r.criterion, describeIdentity(r.identity), attemptLabel(r.attempt), `${r.result.ssar.verdict}: ${r.result.ssar.reason}`, `${r.result.observation.outcome} (${r.result.observation.evidence.received ?? r.result.observation.result})`]),
        note: dis.length === 0 ? 'No disagreement: the review and the real attempts agreed on every cell.' : 'The real attempt decides; the review is only a cross-check.',
      });
    },
  });
}

/** RoleBindings, ClusterRoleBindings, Roles and ClusterRoles, read as the admin (explanations only). */
export async function readSnapshot(admin: KubeHandle): Promise<RbacSnapshot> {
  const list = async <T>(path: string, kind: string): Promise<T[]> => {
    const r = await rawRequest(admin, { method: 'GET', path, timeoutMs: 15_000 });
    if (r.status !== 200) throw new KubeApiError(`GET ${path} answered HTTP ${r.status}: the admin kubeconfig must read RBAC objects`, r.status);
    return ((r.body as { items?: unknown[] }).items ?? []).map((x) => ({ ...(x as object), kind }) as T);
  };
  const base = '/apis/rbac.authorization.k8s.io/v1';
  const [rb, crb, roles, croles] = await Promise.all([
    list<Binding>(`${base}/rolebindings`, 'RoleBinding'),
    list<Binding>(`${base}/clusterrolebindings`, 'ClusterRoleBinding'),
    list<RoleObject>(`${base}/roles`, 'Role'),
    list<RoleObject>(`${base}/clusterroles`, 'ClusterRole'),
  ]);
  return { bindings: [...rb, ...crb], roles: [...roles, ...croles] };
}
