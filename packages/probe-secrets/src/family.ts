import type { Check, Criterion, Observation, ProbeContext, ProbeFamily, ReportSection, ResourceRef } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { clientForServiceAccount, defineProbeFamily, rawRequest } from '@isoproof/kube';
import { statusReason } from './api';
import { accessObservation, automountCheck, liveTokenCheck, scanCheck } from './checks';
import { SecretsProbeError } from './errors';
import type { FoundSecret, SecretFinding } from './findings';
import { findingsSection } from './findings';
import { NamespaceCache } from './namespace-cache';
import { registerSecretValues } from './register-secret-values';
import { scanNamespace } from './scan-namespace';
import type { SecretsSpec } from './spec';
import { secretsSpec, validateSecretsSpec } from './spec';
import { reviewToken } from './token-review';

export const DEFAULT_LOG_TAIL_LINES = 200;
/** Bounds of the access matrix (ServiceAccounts x Secrets). */
export const MAX_ACCESS_ATTEMPTS = 2_000;

interface AccessCell {
  sa: string;
  secret: string;
  expected: 'allowed' | 'denied';
  observation: Observation;
}

/** Creates the `secrets` probe family (stateful: `sections()` shows the last run). */
export function createSecretsFamily(): ProbeFamily {
  let findings: SecretFinding[] = [];
  let access: { namespace: string; cells: AccessCell[]; sas: string[]; secrets: string[] }[] = [];

  async function runCriterion(c: Criterion, spec: SecretsSpec, admin: KubeHandle, cache: NamespaceCache, ctx: ProbeContext): Promise<Check[]> {
    switch (spec.check) {
      case 'scan': {
        const checks: Check[] = [];
        for (const ns of spec.namespaces) {
          for (const source of spec.sources) {
            const units = await scanNamespace(cache, ns, source, { tailLines: spec.logTailLines ?? DEFAULT_LOG_TAIL_LINES, ...(ctx.signal ? { signal: ctx.signal } : {}), opts: spec.rules ? { rules: spec.rules } : {} });
            for (const u of units) {
              for (const f of u.found) if (!findings.some((x) => x.location === f.finding.location && x.hash === f.finding.hash)) findings.push(f.finding);
              checks.push(scanCheck(u));
            }
          }
        }
        if (checks.length === 0) {
          checks.push({
            id: `scan ${spec.sources.join('+')} in ${spec.namespaces.join(', ')}`,
            expect: 'holds',
            observation: { outcome: 'error', result: 'nothing to scan', error: `no object of sources ${spec.sources.join(', ')} in ${spec.namespaces.join(', ')}: a scan of nothing proves nothing — check the namespaces`, evidence: {} },
          });
        }
        return checks;
      }
      case 'live-tokens': {
        const byToken = new Map<string, FoundSecret[]>();
        let scanned = 0;
        for (const ns of spec.namespaces) {
          for (const source of spec.sources) {
            const units = await scanNamespace(cache, ns, source, { tailLines: spec.logTailLines ?? DEFAULT_LOG_TAIL_LINES, ...(ctx.signal ? { signal: ctx.signal } : {}) });
            scanned += units.length;
            for (const u of units) {
              for (const f of u.found) {
                if (f.finding.rule !== 'kubernetes-serviceaccount-token') continue;
                const list = byToken.get(f.value) ?? [];
                list.push(f);
                byToken.set(f.value, list);
              }
            }
          }
        }
        const checks: Check[] = [];
        for (const [token, found] of [...byToken].slice(0, 100)) {
          const review = await reviewToken(admin, token);
          const check = liveTokenCheck(found, review);
          for (const f of found) {
            const existing = findings.find((x) => x.location === f.finding.location && x.hash === f.finding.hash);
            if (existing) existing.live = f.finding.live ?? existing.live;
            else findings.push(f.finding);
          }
          checks.push(check);
        }
        if (checks.length === 0) {
          const where = `${spec.sources.join(', ')} of ${spec.namespaces.join(', ')}`;
          checks.push({
            id: `live-tokens ${spec.namespaces.join(',')}`,
            expect: 'holds',
            observation:
              scanned === 0
                ? { outcome: 'error', result: 'nothing to scan', error: `no object to scan in ${where}`, evidence: {} }
                : { outcome: 'holds', result: `no ServiceAccount token found in ${scanned} scanned place(s)`, evidence: { sent: `scan of ${where}`, received: 'no JWT with Kubernetes ServiceAccount claims' } },
          });
        }
        return checks;
      }
      case 'automount': {
        const checks: Check[] = [];
        for (const ns of spec.namespaces) {
          const sas = await cache.list(ns, 'serviceaccounts');
          const pods = (await cache.list(ns, 'pods')).filter((p) => (p['status'] as { phase?: string } | undefined)?.phase === 'Running');
          for (const pod of pods) {
            const saName = (pod['spec'] as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? 'default';
            checks.push(automountCheck(pod, sas.find((s) => s.metadata?.name === saName), spec.needsApi));
          }
        }
        if (checks.length === 0) {
          checks.push({ id: `automount ${spec.namespaces.join(',')}`, expect: 'holds', observation: { outcome: 'error', result: 'no running pod', error: `no running pod in ${spec.namespaces.join(', ')}`, evidence: {} } });
        }
        return checks;
      }
      case 'secret-readers':
        return secretReaders(c, spec, admin, cache);
    }
  }

  async function secretReaders(c: Criterion, spec: Extract<SecretsSpec, { check: 'secret-readers' }>, admin: KubeHandle, cache: NamespaceCache): Promise<Check[]> {
    const ns = spec.namespace;
    const sas = (await cache.list(ns, 'serviceaccounts')).map((s) => s.metadata?.name ?? '').filter(Boolean).sort();
    const secrets = (await cache.list(ns, 'secrets')).map((s) => s.metadata?.name ?? '').filter(Boolean).sort();
    if (sas.length * (secrets.length + 2) > MAX_ACCESS_ATTEMPTS) {
      throw new SecretsProbeError(`${c.id}: ${sas.length} ServiceAccounts x ${secrets.length} Secrets exceeds ${MAX_ACCESS_ATTEMPTS} attempts — narrow the namespace`);
    }
    const checks: Check[] = [];
    for (const named of Object.keys(spec.readers)) {
      if (!secrets.includes(named)) {
        checks.push({ id: `secret ${ns}/${named}`, expect: 'allowed', observation: { outcome: 'error', result: 'missing', error: `secret ${ns}/${named} named in readers does not exist`, evidence: {} } });
      }
    }
    const clients = new Map<string, KubeHandle | Error>();
    for (const sa of sas) {
      try {
        clients.set(sa, await clientForServiceAccount(admin, ns, sa));
      } catch (e) {
        clients.set(sa, e instanceof Error ? e : new Error(String(e)));
      }
    }
    const attempt = async (sa: string, path: string, resources: ResourceRef[], note?: string): Promise<Observation> => {
      const client = clients.get(sa);
      const sent = `GET ${path} as system:serviceaccount:${ns}:${sa}`;
      if (!client || client instanceof Error) return accessObservation({ sent, error: `no token for ${sa}: ${client?.message ?? 'unknown'}`, resources });
      // acting as the ServiceAccount minted a token for it: say so (it is never stored or shown)
      const minted = `acting as ${sa} minted a TokenRequest token (600 s, never stored or shown)`;
      note = note ? `${note}; ${minted}` : minted;
      try {
        const res = await rawRequest(client, { method: 'GET', path, timeoutMs: 15_000 });
        if (res.status === 200) registerSecretValues(res.body);
        const items = (res.body as { items?: unknown[] } | undefined)?.items;
        const n = res.status === 200 && Array.isArray(items) ? `returned ${items.length} item(s)` : undefined;
        return accessObservation({ sent, status: res.status, reason: statusReason(res.body) ?? (res.status === 200 ? 'OK' : undefined), resources, ...(note || n ? { note: [note, n].filter(Boolean).join('; ') } : {}) });
      } catch (e) {
        return accessObservation({ sent, error: e instanceof Error ? e.message : String(e), resources });
      }
    };
    const controlCache = new Map<string, Observation>();
    /**
     * The control of an SA's own denials: GET of a ConfigMap it may read (spec.controls), else a
     * SelfSubjectReview proving its token authenticates (so a 403 is authorization, not a bad token).
     */
    const selfControl = async (sa: string): Promise<Observation> => {
      let obs = controlCache.get(sa);
      if (obs) return obs;
      const cm = spec.controls?.[sa];
      if (cm) {
        obs = await attempt(sa, `/api/v1/namespaces/${ns}/configmaps/${cm}`, [{ kind: 'ConfigMap', namespace: ns, name: cm }], `control: ${sa} reads a ConfigMap it may read`);
      } else {
        obs = await selfSubjectReview(sa);
      }
      controlCache.set(sa, obs);
      return obs;
    };
    const selfSubjectReview = async (sa: string): Promise<Observation> => {
      const client = clients.get(sa);
      const path = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
      const sent = `POST ${path} as system:serviceaccount:${ns}:${sa}`;
      const resources: ResourceRef[] = [{ kind: 'ServiceAccount', namespace: ns, name: sa }];
      if (!client || client instanceof Error) return accessObservation({ sent, error: `no token for ${sa}: ${client?.message ?? 'unknown'}`, resources });
      try {
        const res = await rawRequest(client, { method: 'POST', path, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, timeoutMs: 15_000 });
        const user = (res.body as { status?: { userInfo?: { username?: string } } } | undefined)?.status?.userInfo?.username;
        const expected = `system:serviceaccount:${ns}:${sa}`;
        if ((res.status === 201 || res.status === 200) && user !== expected) {
          return accessObservation({ sent, error: `SelfSubjectReview says ${user ?? 'nobody'}, expected ${expected}`, resources });
        }
        return accessObservation({ sent, status: res.status, reason: res.status === 201 ? `Created (authenticated as ${expected})` : statusReason(res.body), resources, note: 'control: the token authenticates (SelfSubjectReview); no ConfigMap control named for this ServiceAccount' });
      } catch (e) {
        return accessObservation({ sent, error: e instanceof Error ? e.message : String(e), resources });
      }
    };
    const cells: AccessCell[] = [];
    const gets = new Map<string, Observation>();
    for (const secret of secrets) {
      for (const sa of sas) {
        const ref: ResourceRef = { kind: 'Secret', namespace: ns, name: secret };
        const obs = await attempt(sa, `/api/v1/namespaces/${ns}/secrets/${secret}`, [ref, { kind: 'ServiceAccount', namespace: ns, name: sa }]);
        gets.set(`${sa}/${secret}`, obs);
        cells.push({ sa, secret, expected: (spec.readers[secret] ?? []).includes(sa) ? 'allowed' : 'denied', observation: obs });
      }
    }
    for (const cell of cells) {
      const id = `serviceaccount/${ns}/${cell.sa} GET secret/${ns}/${cell.secret}`;
      if (cell.expected === 'allowed') {
        checks.push({ id, expect: 'allowed', observation: cell.observation });
        continue;
      }
      const allowedReader = (spec.readers[cell.secret] ?? []).find((r) => gets.get(`${r}/${cell.secret}`)?.outcome === 'allowed');
      const control = (allowedReader ? gets.get(`${allowedReader}/${cell.secret}`) : undefined) ?? (await selfControl(cell.sa));
      checks.push({ id, expect: 'denied', observation: cell.observation, control });
    }
    for (const sa of sas) {
      const id = `serviceaccount/${ns}/${sa} LIST secrets in ${ns}`;
      const obs = await attempt(sa, `/api/v1/namespaces/${ns}/secrets`, [{ kind: 'ServiceAccount', namespace: ns, name: sa }]);
      cells.push({ sa, secret: '(list)', expected: (spec.listers ?? []).includes(sa) ? 'allowed' : 'denied', observation: obs });
      if ((spec.listers ?? []).includes(sa)) {
        checks.push({ id, expect: 'allowed', observation: obs });
      } else {
        checks.push({ id, expect: 'denied', observation: obs, control: await selfControl(sa) });
      }
    }
    access = access.filter((a) => a.namespace !== ns);
    access.push({ namespace: ns, cells, sas, secrets: [...secrets, '(list)'] });
    return checks;
  }

  /** The report sections of what the run found so far: findings, then each access grid. */
  function reportSections(): ReportSection[] {
    const sections: ReportSection[] = [];
    if (findings.length > 0) sections.push(findingsSection(findings));
    for (const a of access) {
      sections.push({
        type: 'grid',
        title: `Secret access by ServiceAccount (${a.namespace})`,
        rowLabels: a.sas,
        colLabels: a.secrets,
        cells: a.sas.map((sa) =>
          a.secrets.map((s) => {
            const cell = a.cells.find((x) => x.sa === sa && x.secret === s);
            if (!cell) return '';
            const got = cell.observation.outcome === 'allowed' ? 'read' : cell.observation.outcome === 'denied' ? 'denied' : 'error';
            const ok = (got === 'read' && cell.expected === 'allowed') || (got === 'denied' && cell.expected === 'denied');
            return `${ok ? 'ok' : 'WRONG'}: ${got}`;
          }),
        ),
        legend: 'real GET (LIST for the (list) column) as each ServiceAccount; ok = as the criteria allow, WRONG = differs',
      });
    }
    return sections;
  }

  return defineProbeFamily({
    kind: 'secrets',
    validateSpec: (c) => validateSecretsSpec(c),
    redactSections: true,
    async run(criteria, ctx, out) {
      findings = [];
      access = [];
      const admin = out.kube;
      const cache = new NamespaceCache(admin);
      try {
        for (const c of criteria) {
          if (ctx.signal?.aborted) break;
          const spec = secretsSpec(c);
          const problems = validateSecretsSpec(c);
          if (problems.length) throw new SecretsProbeError(`${c.id}.spec: ${problems.join('; ')}`);
          const checks = await runCriterion(c, spec, admin, cache, ctx);
          ctx.log(`${c.id}: ${checks.length} check(s)`);
          out.checks(c.id).push(...defaultRedactor.scrub(checks));
        }
      } finally {
        out.section(...reportSections());
      }
    },
  });
}
