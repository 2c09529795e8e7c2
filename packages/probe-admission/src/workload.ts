import type { Criterion, Observation, ProbeFamily } from '@isoproof/core';
import { codedError, defaultRedactor } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { defineProbeFamily, ExecError, execInPod, findPods } from '@isoproof/kube';

/**
 * 'workload' criteria: properties of the running baseline pods, measured from inside each container
 * with /isoproof-inspect (a static helper in the probe image) or read from the pod spec.
 *
 * spec:
 *   namespace: medisecure
 *   selector: { app: x }        # optional; default every running pod of the namespace
 *   property: non-root | read-only-root | no-capabilities | resources
 *   command: ["/isoproof-inspect"]   # optional
 */
export const PROPERTIES = ['non-root', 'read-only-root', 'no-capabilities', 'resources'] as const;
export type Property = (typeof PROPERTIES)[number];

export interface WorkloadSpec {
  namespace: string;
  selector?: Record<string, string>;
  property: Property;
  command?: string[];
}

export const INSPECT_COMMAND = ['/isoproof-inspect'];

export function validateWorkloadSpec(c: Criterion): string[] {
  const s = c.spec;
  const errs: string[] = [];
  if (typeof s.namespace !== 'string' || !s.namespace) errs.push('namespace: required');
  if (!PROPERTIES.includes(s.property as Property)) errs.push(`property: one of ${PROPERTIES.join(', ')} (got ${JSON.stringify(s.property)})`);
  if (s.selector !== undefined && (typeof s.selector !== 'object' || s.selector === null || !Object.values(s.selector).every((v) => typeof v === 'string'))) errs.push('selector: labels to strings');
  if (s.command !== undefined && (!Array.isArray(s.command) || s.command.length === 0 || !s.command.every((x) => typeof x === 'string'))) errs.push('command: a non-empty list of strings');
  return errs;
}

/** What /isoproof-inspect prints. */
export interface InspectReport {
  uid: number;
  gid: number;
  euid?: number;
  groups?: number[] | null;
  capEff: string;
  capPrm: string;
  capBnd: string;
  capAmb?: string;
  noNewPrivs?: string;
  seccomp?: string;
  rootMountOptions: string;
  rootReadOnly: boolean;
  rootWrite: { attempted: string; succeeded: boolean; errno?: string; error?: string };
  errors?: string[];
}

/** The output of /isoproof-inspect is not the JSON report it prints (wrong image or command). */
export class InspectReportError extends codedError('ISOPROOF_INSPECT_REPORT') {}

export function parseInspect(stdout: string): InspectReport {
  const line = stdout.trim().split('\n').pop() ?? '';
  let r: InspectReport;
  try {
    r = JSON.parse(line) as InspectReport;
  } catch (e) {
    throw new InspectReportError(`not an isoproof-inspect report (not JSON): ${line.slice(0, 120)}`, { cause: e });
  }
  if (typeof r?.uid !== 'number' || typeof r.capEff !== 'string' || typeof r.rootWrite !== 'object' || r.rootWrite === null) throw new InspectReportError(`not an isoproof-inspect report: ${line.slice(0, 120)}`);
  return r;
}

const zeroCaps = (hex: string | undefined) => hex !== undefined && hex !== '' && /^0+$/.test(hex);

/** Judges one inspected container for a property (pure). */
export function judge(property: Exclude<Property, 'resources'>, r: InspectReport): Pick<Observation, 'outcome' | 'result'> & { received: string } {
  switch (property) {
    case 'non-root':
      return r.uid !== 0 && (r.euid ?? r.uid) !== 0
        ? { outcome: 'holds', result: `uid ${r.uid}`, received: `uid=${r.uid} euid=${r.euid ?? r.uid} gid=${r.gid}` }
        : { outcome: 'violated', result: 'uid 0', received: `runs as root: uid=${r.uid} euid=${r.euid ?? r.uid} gid=${r.gid}` };
    case 'read-only-root': {
      const w = r.rootWrite;
      const facts = `root mount ${r.rootMountOptions || '?'}; create ${w.attempted}: ${w.succeeded ? 'succeeded (file removed)' : `${w.errno ?? 'failed'} (${w.error ?? ''})`}`;
      if (w.succeeded) return { outcome: 'violated', result: 'root writable', received: facts };
      if (r.rootReadOnly || w.errno === 'EROFS') return { outcome: 'holds', result: 'EROFS', received: facts };
      return { outcome: 'violated', result: 'root mounted read-write', received: `${facts} — the write failed on permissions only; the root filesystem is not read-only` };
    }
    case 'no-capabilities': {
      const facts = `CapEff=${r.capEff} CapPrm=${r.capPrm} CapBnd=${r.capBnd}${r.capAmb ? ` CapAmb=${r.capAmb}` : ''}`;
      return zeroCaps(r.capEff) && zeroCaps(r.capPrm)
        ? { outcome: 'holds', result: 'CapEff 0', received: facts }
        : { outcome: 'violated', result: `CapEff ${r.capEff}`, received: facts };
    }
  }
}

interface ContainerSpec {
  name: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

/** Every container (init containers too) has cpu and memory requests and limits (pure). */
export function judgeResources(containers: ContainerSpec[]): Pick<Observation, 'outcome' | 'result'> & { received: string } {
  const missing: string[] = [];
  for (const c of containers) {
    for (const kind of ['requests', 'limits'] as const) {
      for (const res of ['cpu', 'memory']) {
        if (!c.resources?.[kind]?.[res]) missing.push(`${c.name}: ${kind}.${res}`);
      }
    }
  }
  const shown = containers.map((c) => `${c.name} requests=${JSON.stringify(c.resources?.requests ?? {})} limits=${JSON.stringify(c.resources?.limits ?? {})}`).join('; ');
  return missing.length === 0
    ? { outcome: 'holds', result: 'requests and limits set', received: shown }
    : { outcome: 'violated', result: `missing ${missing.length}`, received: `missing ${missing.join(', ')} (${shown})` };
}

/** The 'workload' probe family: properties of the running pods, measured inside each container. */
export function workloadFamily(): ProbeFamily {
  return defineProbeFamily({
    kind: 'workload',
    validateSpec: validateWorkloadSpec,
    async run(criteria, _ctx, out) {
      const inspected = new Map<string, Promise<InspectReport>>();
      const rows: string[][] = [];
      const inspect = (kube: KubeHandle, ns: string, pod: string, container: string, command: string[]) => {
        const key = `${ns}/${pod}/${container}/${command.join(' ')}`;
        let p = inspected.get(key);
        if (!p) {
          p = execInPod(kube, { namespace: ns, pod, container, command, timeoutMs: 20_000 }).then((r) => {
            if (r.exitCode !== 0) throw new ExecError(`${command.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().split('\n')[0]?.slice(0, 200) ?? ''}`);
            return parseInspect(r.stdout);
          });
          inspected.set(key, p);
        }
        return p;
      };
      for (const c of criteria) {
        const s = c.spec as unknown as WorkloadSpec;
        const checks = out.checks(c.id);
        let pods: Awaited<ReturnType<typeof findPods>>;
        try {
          pods = (await findPods(out.kube, s.namespace, s.selector ?? {})).filter((p) => !p.metadata?.labels?.['isoproof.dev/run'] || !p.metadata?.name?.startsWith('isoproof-'));
        } catch (e) {
          checks.push({ id: `${s.namespace} pods`, expect: 'holds', observation: { outcome: 'error', result: 'unreadable', error: (e as Error).message, evidence: { sent: `list pods in ${s.namespace}` } } });
          continue;
        }
        if (pods.length === 0) {
          checks.push({ id: `${s.namespace} pods`, expect: 'holds', observation: { outcome: 'error', result: 'no-pods', error: `no running pod in ${s.namespace} matches ${JSON.stringify(s.selector ?? {})}`, evidence: { sent: `list pods in ${s.namespace}` } } });
          continue;
        }
        for (const pod of pods) {
          const name = pod.metadata?.name ?? '?';
          const ref = { kind: 'Pod', name, namespace: s.namespace, apiVersion: 'v1' };
          if (s.property === 'resources') {
            const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])] as ContainerSpec[];
            const j = judgeResources(all);
            checks.push({ id: `${s.namespace}/${name} resources`, expect: 'holds', observation: { outcome: j.outcome, result: j.result, evidence: { sent: `GET /api/v1/namespaces/${s.namespace}/pods/${name} (spec.containers[*].resources)`, received: j.received, resources: [ref] } } });
            rows.push([c.id, `${s.namespace}/${name}`, j.outcome, j.received]);
            continue;
          }
          const command = s.command ?? INSPECT_COMMAND;
          for (const ct of pod.spec?.containers ?? []) {
            const sent = `exec ${command.join(' ')} in ${s.namespace}/${name} container ${ct.name}`;
            let obs: Observation;
            try {
              const r = await inspect(out.kube, s.namespace, name, ct.name, command);
              const j = judge(s.property, r);
              obs = { outcome: j.outcome, result: j.result, evidence: { sent, received: j.received, resources: [ref] } };
              if (r.errors?.length) obs.evidence.notes = r.errors;
            } catch (e) {
              obs = { outcome: 'error', result: 'exec-failed', error: `cannot inspect the container (is /isoproof-inspect in the image?): ${(e as Error).message}`, evidence: { sent, resources: [ref] } };
            }
            checks.push({ id: `${s.namespace}/${name}/${ct.name} ${s.property}`, expect: 'holds', observation: defaultRedactor.scrub(obs) });
            rows.push([c.id, `${s.namespace}/${name}/${ct.name}`, obs.outcome, obs.evidence.received ?? obs.error ?? '']);
          }
        }
      }
      out.section({ type: 'table', title: 'Running workloads (measured inside each container)', columns: ['criterion', 'container', 'observed', 'facts'], rows });
    },
  });
}
