import type { RequestAttributes } from './explain';
import type { PlannedRequest } from './planned-request';
import type { AttemptSpec } from './spec';

/** The user impersonated alongside a group/uid/extra when the attempt names none (asUser). */
export const IMPERSONATED_USER = 'isoproof:impersonated';

/**
 * Plans an impersonate attempt: a harmless SelfSubjectReview sent with the Impersonate-* headers
 * of the user, ServiceAccount, group, uid or extra the attempt names. Pure.
 */
export function planImpersonation(a: AttemptSpec): PlannedRequest {
  const ns = a.namespace;
  const who = a.name ?? 'system:admin';
  const viaUser = a.asUser ?? IMPERSONATED_USER;
  const extraKey = a.resource.startsWith('userextras/') ? a.resource.slice('userextras/'.length) : undefined;
  const resource = extraKey !== undefined ? 'userextras' : a.resource;
  let headers: Record<string, string>;
  const ssar: RequestAttributes = { verb: 'impersonate', group: '', resource, name: who };
  switch (resource) {
    case 'serviceaccounts':
      headers = { 'Impersonate-User': `system:serviceaccount:${ns ?? 'default'}:${who}` };
      if (ns) ssar.namespace = ns;
      break;
    case 'groups':
      headers = { 'Impersonate-User': viaUser, 'Impersonate-Group': who };
      break;
    case 'uids':
      headers = { 'Impersonate-User': viaUser, 'Impersonate-Uid': who };
      ssar.group = 'authentication.k8s.io';
      break;
    case 'userextras':
      headers = { 'Impersonate-User': viaUser, [`Impersonate-Extra-${extraKey}`]: who };
      ssar.group = 'authentication.k8s.io';
      ssar.subresource = extraKey as string;
      break;
    default:
      headers = { 'Impersonate-User': who };
  }
  const p: PlannedRequest = {
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    query: {},
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    headers,
    ssar,
    explain: [ssar],
    target: { kind: resource === 'users' ? 'User' : resource === 'groups' ? 'Group' : resource === 'serviceaccounts' ? 'ServiceAccount' : resource === 'uids' ? 'UID' : 'UserExtra', name: who },
    dryRun: false,
  };
  if (resource === 'groups' || resource === 'uids' || resource === 'userextras') {
    p.impersonation = { asked: resource, viaUser };
    // The API server needs an Impersonate-User with any other impersonation header and authorizes
    // the user FIRST: a refusal of the user says nothing about the group/uid/extra. Only a refusal
    // naming the asked resource is a denial; a refused user leaves the attempt INCONCLUSIVE.
    p.note = `impersonating ${resource} ${who} together with user ${viaUser}${a.asUser ? '' : ' (default; set asUser to a user this identity may impersonate)'}: the API server checks the user first, so only a refusal naming ${resource} "${who}" is a denial`;
  }
  return p;
}
