import type { Identity } from '@isoproof/core';

/** The identities probes act as against the API server (a Pod vantage is not an API identity). */
export type ActorIdentity = Exclude<Identity, { kind: 'Pod' }>;

/** The user impersonated to act as a member of a Group identity. */
export const GROUP_MEMBER_USER = 'isoproof:group-member';

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Problems of an identity in a criterion's spec (`where` prefixes each message); [] when valid. */
export function validateIdentity(v: unknown, where: string): string[] {
  if (!isObj(v)) return [`${where}: must be a mapping {kind: ServiceAccount|User|Group|Anonymous, ...}`];
  switch (v.kind) {
    case 'ServiceAccount':
      return isStr(v.namespace) && isStr(v.name) ? [] : [`${where}: a ServiceAccount needs namespace and name`];
    case 'User': {
      const errs: string[] = [];
      if (!isStr(v.name)) errs.push(`${where}: a User needs a name`);
      if (v.groups !== undefined && !isStrList(v.groups)) errs.push(`${where}.groups: must be a list of strings`);
      if (isStr(v.name) && /^system:(admin|masters)$/.test(v.name)) errs.push(`${where}: never probe as the admin`);
      if (isStrList(v.groups) && v.groups.includes('system:masters')) errs.push(`${where}: never probe as system:masters`);
      return errs;
    }
    case 'Group':
      if (!isStr(v.name)) return [`${where}: a Group needs a name`];
      return v.name === 'system:masters' ? [`${where}: never probe as system:masters`] : [];
    case 'Anonymous':
      return [];
    default:
      return [`${where}.kind: must be ServiceAccount, User, Group or Anonymous (got ${JSON.stringify(v.kind)})`];
  }
}

/** A stable key of an identity: "sa:ns/name", "user:alice[g1,g2]", "group:g", "anonymous". */
export function identityKey(id: ActorIdentity): string {
  switch (id.kind) {
    case 'ServiceAccount':
      return `sa:${id.namespace}/${id.name}`;
    case 'User':
      return `user:${id.name}${id.groups?.length ? `[${id.groups.join(',')}]` : ''}`;
    case 'Group':
      return `group:${id.name}`;
    case 'Anonymous':
      return 'anonymous';
  }
}

/** The user name and groups the API server sees for an identity (RBAC subject matching). */
export function userInfoOf(id: ActorIdentity): { user: string; groups: string[] } {
  switch (id.kind) {
    case 'ServiceAccount':
      return {
        user: `system:serviceaccount:${id.namespace}:${id.name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${id.namespace}`, 'system:authenticated'],
      };
    case 'User':
      return { user: id.name, groups: [...new Set([...(id.groups ?? []), 'system:authenticated'])] };
    case 'Group':
      return { user: GROUP_MEMBER_USER, groups: [id.name, 'system:authenticated'] };
    case 'Anonymous':
      return { user: 'system:anonymous', groups: ['system:unauthenticated'] };
  }
}

/** "system:serviceaccount:ns:sa" or "alice (groups: tenant-a-developers)". */
export function describeIdentity(id: ActorIdentity): string {
  const info = userInfoOf(id);
  if (id.kind === 'ServiceAccount') return info.user;
  const groups = info.groups.filter((g) => g !== 'system:authenticated');
  return groups.length ? `${info.user} (groups: ${groups.join(', ')})` : info.user;
}
