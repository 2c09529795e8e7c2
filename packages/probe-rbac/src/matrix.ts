import type { ReportSection } from '@isoproof/core';
import type { AttemptSpec, Verb } from './spec';
import { effectiveResource } from './spec';

/** Columns of the access matrix; `exec` is the pods/exec WebSocket upgrade. */
export const MATRIX_VERBS: Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'exec'];

const CRUD: Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** Rows of the access matrix and the verbs probed on each. */
export const MATRIX_ROWS: Array<{ resource: string; verbs: Verb[] }> = [
  { resource: 'pods', verbs: [...CRUD, 'exec'] },
  { resource: 'pods/log', verbs: ['get'] },
  { resource: 'secrets', verbs: CRUD },
  { resource: 'configmaps', verbs: CRUD },
  { resource: 'services', verbs: CRUD },
  { resource: 'serviceaccounts', verbs: CRUD },
  { resource: 'serviceaccounts/token', verbs: ['create'] },
  { resource: 'deployments', verbs: CRUD },
  { resource: 'networkpolicies', verbs: CRUD },
  { resource: 'roles', verbs: CRUD },
  { resource: 'rolebindings', verbs: CRUD },
];

export interface MatrixCell {
  resource: string;
  verb: Verb;
  attempt: AttemptSpec;
}

/** The attempts of one identity's matrix in `namespace` (unnamed: a synthetic object name). */
export function matrixAttempts(namespace: string, rows = MATRIX_ROWS, sa = 'default'): MatrixCell[] {
  const out: MatrixCell[] = [];
  for (const row of rows) {
    for (const verb of row.verbs) {
      const attempt: AttemptSpec = verb === 'exec' ? { verb: 'exec', resource: 'pods', namespace } : { verb, resource: row.resource, namespace };
      if (row.resource === 'serviceaccounts/token') attempt.name = sa;
      out.push({ resource: row.resource, verb, attempt });
    }
  }
  return out;
}

/** Key of a (resource, verb, namespace) cell, names ignored. */
export function cellKey(a: Pick<AttemptSpec, 'verb' | 'resource' | 'namespace'>): string {
  const r = effectiveResource(a as AttemptSpec);
  const verb = a.verb;
  const resource = r === 'pods/exec' ? 'pods' : r;
  return `${resource}|${verb === 'exec' ? 'exec' : verb}|${a.namespace ?? ''}`;
}

export type CellState = 'allowed' | 'denied' | 'error';

export interface CellResult {
  resource: string;
  verb: Verb;
  state: CellState;
  /** SSAR disagreed with the real attempt. */
  disagreement: boolean;
  /** A deny criterion of this identity names this (resource, verb, namespace). */
  forbidden: boolean;
}

export const MATRIX_LEGEND =
  '✓ allowed · denied ? error (probe could not tell) ✓! FORBIDDEN BUT ALLOWED (a criterion expects a denial) ≠ SelfSubjectAccessReview disagreed with the real attempt; blank: not probed';

export function cellSymbol(c: CellResult): string {
  let s = c.state === 'allowed' ? (c.forbidden ? '✓!' : '✓') : c.state === 'denied' ? '·' : '?';
  if (c.disagreement) s += '≠';
  return s;
}

/** The grid section of one identity's access matrix. */
export function matrixSection(identity: string, namespace: string, cells: CellResult[], rows = MATRIX_ROWS): ReportSection {
  const rowLabels = rows.map((r) => r.resource);
  const colLabels = [...MATRIX_VERBS];
  const grid = rowLabels.map((res) =>
    colLabels.map((verb) => {
      const c = cells.find((x) => x.resource === res && x.verb === verb);
      return c ? cellSymbol(c) : '';
    }),
  );
  return { type: 'grid', title: `Access matrix: ${identity} in namespace ${namespace}`, rowLabels, colLabels, cells: grid, legend: MATRIX_LEGEND };
}
