import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type https from 'node:https';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Cluster, User } from '@kubernetes/client-node';
import { defaultRedactor } from '@isoproof/core';
import { KubeApiError, KubeconfigError } from './errors';
import { describeTarget } from './kubeconfig';
import type { KubeHandle } from './kubeconfig';
import { apiErrorLine, apiStatus } from './apply';

/** The process's 0700 dir of kubeconfigs holding identity credentials (bearer tokens); lazily made. */
let tempDir: string | undefined;
let exitHook = false;

/**
 * Removes every kubeconfig written by writeTempKubeconfig (the handles keep working: their clients
 * live in memory). Called at process exit, by @isoproof/run after each scenario run and on
 * SIGINT/SIGTERM; a later write makes a new dir. Returns the number of files removed.
 */
export function removeTempKubeconfigs(): number {
  const dir = tempDir;
  if (!dir) return 0;
  tempDir = undefined;
  let n = 0;
  try {
    n = readdirSync(dir).length;
  } catch {
    /* already gone */
  }
  rmSync(dir, { recursive: true, force: true });
  return n;
}

/** Write a kubeconfig to a fresh 0600 file in the process's 0700 temp dir (see removeTempKubeconfigs). */
export function writeTempKubeconfig(kc: KubeConfig, label: string): string {
  if (!tempDir || !existsSync(tempDir)) {
    tempDir = mkdtempSync(join(tmpdir(), `isoproof-kube-${process.pid}-`));
    chmodSync(tempDir, 0o700);
  }
  const base = label.replace(/[^a-zA-Z0-9._-]/g, '_');
  let file = join(tempDir, `${base}.kubeconfig`);
  for (let i = 2; existsSync(file); i++) file = join(tempDir, `${base}-${i}.kubeconfig`);
  writeFileSync(file, kc.exportConfig(), { mode: 0o600, flag: 'wx' });
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => removeTempKubeconfigs());
  }
  return file;
}

/** Register a secret with core's process-wide redactor (when core provides one). */
export function registerSecret(value: string): void {
  defaultRedactor.register(value);
}

/** A copy of the handle's cluster entry (server, CA, TLS server name) under `name`. */
export function copyCluster(kube: KubeHandle, name = 'isoproof'): Cluster {
  const c = kube.kc.getCurrentCluster();
  if (!c) throw new KubeconfigError(`no cluster in context "${kube.context ?? ''}" of ${kube.kubeconfigPath}`);
  return { ...c, name };
}

/**
 * A kubeconfig holding `cluster` and a user with only a bearer token: no client certificate, no
 * exec plugin, nothing of the admin identity.
 */
export function tokenKubeConfig(cluster: Cluster, userName: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  const user: User = { name: userName, token };
  kc.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: userName, cluster: cluster.name, user: userName }],
    currentContext: userName,
  });
  return kc;
}

/**
 * A client acting as ServiceAccount namespace/name: a TokenRequest (default 10 min, the API minimum)
 * and a kubeconfig with the same cluster and CA and only that bearer token, written to a 0600 temp
 * file (removed by removeTempKubeconfigs(): after each scenario run, on SIGINT/SIGTERM, at exit).
 * The token is registered with core's redactor.
 */
export async function clientForServiceAccount(
  kube: KubeHandle,
  namespace: string,
  name: string,
  opts: { expirationSeconds?: number; boundSecret?: { name: string; uid: string } } = {},
): Promise<KubeHandle> {
  let token: string | undefined;
  try {
    const spec: Record<string, unknown> = { audiences: [], expirationSeconds: Math.max(600, opts.expirationSeconds ?? 600) };
    // bound to a Secret: deleting that Secret voids the token before it expires
    if (opts.boundSecret) spec.boundObjectRef = { kind: 'Secret', apiVersion: 'v1', name: opts.boundSecret.name, uid: opts.boundSecret.uid };
    const tr = await kube.kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
      namespace,
      name,
      body: { spec } as never,
    });
    token = tr.status?.token;
  } catch (e) {
    throw new KubeApiError(
      `TokenRequest for ServiceAccount ${namespace}/${name} on ${describeTarget(kube)} failed: ${apiErrorLine(e)}`,
      apiStatus(e),
      { cause: e },
    );
  }
  if (!token) throw new KubeApiError(`TokenRequest for ServiceAccount ${namespace}/${name} returned no token`);
  registerSecret(token);
  const kc = tokenKubeConfig(copyCluster(kube), `sa-${namespace}-${name}`, token);
  const kubeconfigPath = writeTempKubeconfig(kc, `sa-${namespace}-${name}`);
  return { kc, kubeconfigPath, context: kc.getCurrentContext() };
}

/** Impersonation headers for `who`. Pure. */
export function impersonationHeaders(who: { user: string; groups?: string[] }): Array<[string, string]> {
  const h: Array<[string, string]> = [['Impersonate-User', who.user]];
  for (const g of who.groups ?? []) h.push(['Impersonate-Group', g]);
  return h;
}

/**
 * A KubeConfig that adds Impersonate-User / Impersonate-Group headers to every request: generated
 * API clients (several Impersonate-Group headers are sent as separate header lines), WebSocket exec
 * and rawRequest.
 */
export class ImpersonatingKubeConfig extends KubeConfig {
  constructor(readonly who: { user: string; groups?: string[] }) {
    super();
  }

  override async applyToHTTPSOptions(opts: https.RequestOptions | Parameters<KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
    await super.applyToHTTPSOptions(opts);
    const o = opts as https.RequestOptions;
    const headers = (o.headers ?? {}) as Record<string, string | string[]>;
    headers['Impersonate-User'] = this.who.user;
    if (this.who.groups?.length) headers['Impersonate-Group'] = [...this.who.groups];
    o.headers = headers;
  }

  override async applySecurityAuthentication(context: Parameters<KubeConfig['applySecurityAuthentication']>[0]): Promise<void> {
    await super.applySecurityAuthentication(context);
    const ctx = context as unknown as { headers: Record<string, string> | Array<[string, string]> };
    const base = Array.isArray(ctx.headers) ? ctx.headers : Object.entries(ctx.headers);
    const pairs = base.filter(([k]) => !/^impersonate-/i.test(k));
    // node-fetch accepts an iterable of pairs, which keeps one header line per group.
    ctx.headers = [...pairs, ...impersonationHeaders(this.who)];
  }
}

/**
 * A client with the handle's own credentials impersonating `who` (the admin must be allowed to
 * impersonate). kubeconfigPath is a 0600 temp file with `as`/`as-groups` so kubectl sees the same.
 */
export function clientImpersonating(kube: KubeHandle, who: { user: string; groups?: string[] }): KubeHandle {
  const kc = new ImpersonatingKubeConfig(who);
  const ctxName = kube.context ?? kube.kc.getCurrentContext();
  const ctx = kube.kc.getContextObject(ctxName);
  const user = kube.kc.getCurrentUser();
  const cluster = kube.kc.getCurrentCluster();
  if (!ctx || !user || !cluster) throw new KubeconfigError(`context "${ctxName}" in ${kube.kubeconfigPath} lacks a user or cluster`);
  kc.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ ...ctx, name: ctxName }],
    currentContext: ctxName,
  });
  // The file form: kubectl reads "as" / "as-groups" on the user.
  const exported = JSON.parse(kc.exportConfig()) as { users: Array<{ name: string; user: Record<string, unknown> }> };
  for (const u of exported.users) {
    u.user['as'] = who.user;
    if (who.groups?.length) u.user['as-groups'] = who.groups;
  }
  const fileKc = { exportConfig: () => JSON.stringify(exported) } as unknown as KubeConfig;
  const kubeconfigPath = writeTempKubeconfig(fileKc, `as-${who.user}`);
  return { kc, kubeconfigPath, context: ctxName };
}
