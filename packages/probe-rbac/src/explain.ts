/**
 * Which bindings grant a request: RBAC's own matching rules, applied to the bindings and roles read
 * (as the admin) for the explanation column only. The verdict always comes from the real attempt.
 */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

export interface Binding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  metadata: { name: string; namespace?: string };
  roleRef: { kind: string; name: string };
  subjects?: Subject[];
}

export interface RoleObject {
  kind: 'Role' | 'ClusterRole';
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
}

export interface RbacSnapshot {
  bindings: Binding[];
  roles: RoleObject[];
}

export interface RequestAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
  /** Absent for cluster-scoped requests. */
  namespace?: string;
}

export interface UserInfo {
  user: string;
  groups: string[];
}

export function subjectMatches(s: Subject, who: UserInfo, bindingNamespace?: string): boolean {
  if (s.kind === 'User') return s.name === who.user;
  if (s.kind === 'Group') return who.groups.includes(s.name);
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace ?? bindingNamespace;
    return who.user === `system:serviceaccount:${ns}:${s.name}`;
  }
  return false;
}

/** RBAC's rule matching (apiGroups, resources incl. `*` and `*\/sub`, verbs, resourceNames). */
export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  const groups = rule.apiGroups ?? [];
  if (!groups.includes('*') && !groups.includes(a.group)) return false;
  const verbs = rule.verbs ?? [];
  if (!verbs.includes('*') && !verbs.includes(a.verb)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = rule.resources ?? [];
  const resOk = resources.some(
    (r) => r === '*' || r === combined || (a.subresource !== undefined && r === `*/${a.subresource}`),
  );
  if (!resOk) return false;
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return a.name !== undefined && names.includes(a.name);
}

export interface Grant {
  binding: string;
  role: string;
  rule: string;
}

function describeRule(r: PolicyRule): string {
  const g = (r.apiGroups ?? []).map((x) => (x === '' ? 'core' : x)).join(',');
  const names = r.resourceNames?.length ? ` names=${r.resourceNames.join(',')}` : '';
  return `${(r.verbs ?? []).join(',')} ${(r.resources ?? []).join(',')} [${g}]${names}`;
}

/**
 * The bindings (RoleBindings in the request's namespace, ClusterRoleBindings) whose subjects match
 * `who` and whose role has a rule allowing `a`. Empty when none does (e.g. the grant comes from
 * another authorizer, or the role was not readable).
 */
export function explainGrant(who: UserInfo, a: RequestAttributes, snap: RbacSnapshot): Grant[] {
  const out: Grant[] = [];
  for (const b of snap.bindings) {
    if (b.kind === 'RoleBinding' && (a.namespace === undefined || b.metadata.namespace !== a.namespace)) continue;
    if (!(b.subjects ?? []).some((s) => subjectMatches(s, who, b.metadata.namespace))) continue;
    const role = snap.roles.find(
      (r) =>
        r.kind === b.roleRef.kind &&
        r.metadata.name === b.roleRef.name &&
        (r.kind === 'ClusterRole' || r.metadata.namespace === b.metadata.namespace),
    );
    if (!role) continue;
    const rule = (role.rules ?? []).find((r) => ruleAllows(r, a));
    if (!rule) continue;
    const bname = b.kind === 'RoleBinding' ? `RoleBinding ${b.metadata.namespace}/${b.metadata.name}` : `ClusterRoleBinding ${b.metadata.name}`;
    const rname = role.kind === 'Role' ? `Role ${role.metadata.namespace}/${role.metadata.name}` : `ClusterRole ${role.metadata.name}`;
    out.push({ binding: bname, role: rname, rule: describeRule(rule) });
  }
  return out;
}

export function formatGrants(grants: Grant[]): string {
  if (grants.length === 0) return 'no matching binding found (another authorizer, or an escalation-free path)';
  return grants.map((g) => `${g.binding} -> ${g.role} (${g.rule})`).join('; ');
}
