/** List paths of the namespaced resources the probe reads, by resource name. */
export const LIST_PATHS: Record<string, (ns: string) => string> = {
  configmaps: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  secrets: (ns) => `/api/v1/namespaces/${ns}/secrets`,
  pods: (ns) => `/api/v1/namespaces/${ns}/pods`,
  serviceaccounts: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  services: (ns) => `/api/v1/namespaces/${ns}/services`,
  deployments: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  statefulsets: (ns) => `/apis/apps/v1/namespaces/${ns}/statefulsets`,
  daemonsets: (ns) => `/apis/apps/v1/namespaces/${ns}/daemonsets`,
  jobs: (ns) => `/apis/batch/v1/namespaces/${ns}/jobs`,
  cronjobs: (ns) => `/apis/batch/v1/namespaces/${ns}/cronjobs`,
};

/** The kind of each listed resource (a list's items may carry none). */
export const KIND_OF: Record<string, string> = {
  configmaps: 'ConfigMap',
  secrets: 'Secret',
  pods: 'Pod',
  serviceaccounts: 'ServiceAccount',
  services: 'Service',
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
  jobs: 'Job',
  cronjobs: 'CronJob',
};

/** The `reason` of a Kubernetes Status body, if it has one. */
export function statusReason(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const b = body as { reason?: unknown; message?: unknown };
    if (typeof b.reason === 'string') return b.reason;
  }
  return undefined;
}
