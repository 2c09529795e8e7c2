import type { KubeHandle } from '@isoproof/kube';
import { clientForServiceAccount, clientImpersonating } from '@isoproof/kube';
import type { ActorIdentity } from './spec';
import { identityKey, userInfoOf } from './spec';

/**
 * Clients acting as identities, built once per run: a short-lived TokenRequest token for a
 * ServiceAccount (its own credentials: the admin is out of the request), impersonation for users,
 * groups and anonymous. Never the admin itself.
 */
export class IdentityClients {
  private readonly cache = new Map<string, Promise<KubeHandle>>();
  constructor(private readonly admin: KubeHandle) {}

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
    if (id.kind === 'ServiceAccount') return await clientForServiceAccount(this.admin, id.namespace, id.name, { expirationSeconds: 600 });
    const info = userInfoOf(id);
    const groups = info.groups.filter((g) => g !== 'system:authenticated');
    return clientImpersonating(this.admin, groups.length ? { user: info.user, groups } : { user: info.user });
  }
}

/** "system:serviceaccount:ns:sa" or "alice (groups: tenant-a-developers)". */
export function describeIdentity(id: ActorIdentity): string {
  const info = userInfoOf(id);
  if (id.kind === 'ServiceAccount') return info.user;
  const groups = info.groups.filter((g) => g !== 'system:authenticated');
  return groups.length ? `${info.user} (groups: ${groups.join(', ')})` : info.user;
}
