import { RUN_LABEL } from '@isoproof/core';
import type { ActorIdentity } from './actor-identity';
import { identityKey, userInfoOf } from './actor-identity';
import { clientForServiceAccount, clientImpersonating } from './identity';
import type { KubeHandle } from './kubeconfig';
import { rawRequest } from './raw';

/**
 * Clients acting as identities, built once per run: a short-lived TokenRequest token for a
 * ServiceAccount (its own credentials: the admin is out of the request), impersonation for users,
 * groups and anonymous. Never the admin itself.
 */
export class IdentityClients {
  private readonly cache = new Map<string, Promise<KubeHandle>>();
  /** Secrets this run created to bind ServiceAccount tokens to (namespace, name). */
  private readonly anchors: Array<{ namespace: string; name: string }> = [];
  /** Per ServiceAccount identity: what the evidence says about its minted token. */
  readonly tokenNotes = new Map<string, string>();
  /** With `runId`, ServiceAccount tokens are bound to a Secret of that run and revoked by close(). */
  constructor(
    private readonly admin: KubeHandle,
    private readonly runId?: string,
  ) {}

  /**
   * Deletes the Secrets the ServiceAccount tokens are bound to: the API server then rejects those
   * tokens (revoked before their 600 s expiry). Never throws; returns what could not be deleted.
   */
  async close(): Promise<string[]> {
    const failed: string[] = [];
    await Promise.all(
      this.anchors.splice(0).map(async (a) => {
        const path = `/api/v1/namespaces/${encodeURIComponent(a.namespace)}/secrets/${encodeURIComponent(a.name)}`;
        const r = await rawRequest(this.admin, { method: 'DELETE', path, timeoutMs: 10_000 }).catch((e: unknown) => ({ status: 0, text: (e as Error).message }));
        if (r.status !== 200 && r.status !== 202 && r.status !== 404) failed.push(`${a.namespace}/${a.name}: HTTP ${r.status}`);
      }),
    );
    return failed;
  }

  /** A Secret of this run to bind a token to; undefined when it cannot be made (the token is then unbound). */
  private async anchor(namespace: string, sa: string): Promise<{ name: string; uid: string } | undefined> {
    if (!this.runId) return undefined;
    const name = `isoproof-token-${this.runId}-${sa}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-+$/, '');
    const body = { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, labels: { [RUN_LABEL]: this.runId } } };
    const r = await rawRequest(this.admin, { method: 'POST', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, body, timeoutMs: 10_000 }).catch(() => undefined);
    const uid = (r?.body as { metadata?: { uid?: string } } | undefined)?.metadata?.uid;
    if (!r || r.status !== 201 || !uid) return undefined;
    this.anchors.push({ namespace, name });
    return { name, uid };
  }

  get(id: ActorIdentity): Promise<KubeHandle> {
    const key = identityKey(id);
    let p = this.cache.get(key);
    if (!p) {
      p = this.make(id);
      // keep failures cached too: every attempt of that identity reports the same error
      this.cache.set(key, p);
    }
    return p;
  }

  private async make(id: ActorIdentity): Promise<KubeHandle> {
    if (id.kind === 'ServiceAccount') {
      const bound = await this.anchor(id.namespace, id.name);
      const handle = await clientForServiceAccount(this.admin, id.namespace, id.name, bound ? { expirationSeconds: 600, boundSecret: bound } : { expirationSeconds: 600 });
      this.tokenNotes.set(
        identityKey(id),
        bound
          ? `acting as this ServiceAccount mints a TokenRequest token (never stored or shown); it is bound to Secret ${id.namespace}/${bound.name}, which the run deletes at its end: the token is revoked then`
          : `acting as this ServiceAccount mints a TokenRequest token (never stored or shown); it is bound to no Secret of the run, so it cannot be revoked: it expires within 600 s`,
      );
      return handle;
    }
    const info = userInfoOf(id);
    const groups = info.groups.filter((g) => g !== 'system:authenticated');
    return clientImpersonating(this.admin, groups.length ? { user: info.user, groups } : { user: info.user });
  }
}
