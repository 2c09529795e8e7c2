import type { KubeHandle } from '@isoproof/kube';
import { rawRequest } from '@isoproof/kube';
import { statusReason } from './api';
import type { ScanUnit } from './checks';
import type { Dismissals } from './dismissals';
import { scanLog } from './scan-log';
import type { K8sObject } from './sources';
import { refOf } from './sources';

/** Per container log fetch cap (bytes). */
export const LOG_LIMIT_BYTES = 1024 * 1024;

/** Bounded tail of every container log (init containers included) of `pods` (at most 200) of `ns`, scanned. */
export async function readPodLogs(admin: KubeHandle, ns: string, pods: K8sObject[], tailLines: number, signal?: AbortSignal): Promise<ScanUnit[]> {
  const units: ScanUnit[] = [];
  for (const pod of pods.slice(0, 200)) {
    if (signal?.aborted) break;
    const spec = (pod['spec'] ?? {}) as { initContainers?: Array<{ name: string }>; containers?: Array<{ name: string }> };
    const names = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.name).slice(0, 20);
    const ref = refOf(pod, 'Pod');
    for (const container of names) {
      const path = `/api/v1/namespaces/${ns}/pods/${ref.name}/log`;
      const query = { container, tailLines: String(tailLines), limitBytes: String(LOG_LIMIT_BYTES) };
      const sent = `GET ${path}?container=${container}&tailLines=${tailLines}`;
      const unit: ScanUnit = { source: 'log', resource: ref, part: container, sent, found: [] };
      try {
        const res = await rawRequest(admin, { method: 'GET', path, query, timeoutMs: 20_000 });
        if (res.status === 200) {
          const dismissed: Dismissals = {};
          unit.found = scanLog(ref, container, res.text, { dismissed });
          if (Object.keys(dismissed).length) unit.dismissed = dismissed;
          unit.sent += ` (${res.text.split('\n').filter(Boolean).length} lines)`;
        } else if (res.status === 400) {
          unit.skipped = `no log yet (${statusReason(res.body) ?? 'BadRequest'})`;
        } else {
          unit.error = `HTTP ${res.status} ${statusReason(res.body) ?? ''}`.trim();
        }
      } catch (e) {
        unit.error = e instanceof Error ? e.message : String(e);
      }
      units.push(unit);
    }
  }
  return units;
}
