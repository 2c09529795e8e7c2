import Ajv from 'ajv';
import { CriteriaError } from './errors';
import { PROBE_KINDS } from './model';
import type { Criterion, ProbeFamily } from './model';
import { formatAjvErrors } from './schema-errors';
import { parseYamlText, readYamlFile } from './yaml-file';

const criteriaFail = (problems: string[], cause: unknown) => new CriteriaError(problems, { cause });

/** Criterion ids: upper-case words joined by dashes, ending in a number of 2+ digits (NET-TENANT-01). */
export const CRITERION_ID_PATTERN = '^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\\d{2,}$';

/** JSON Schema (draft-07) of a scenario's criteria.yaml: `{ description?: string, criteria: Criterion[] }`. */
export const CRITERIA_SCHEMA = {
  $id: 'https://isoproof.dev/schemas/criteria.json',
  type: 'object',
  required: ['criteria'],
  additionalProperties: false,
  properties: {
    description: { type: 'string', minLength: 1, maxLength: 400 },
    criteria: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'title', 'seed', 'probe', 'vantage', 'expectation'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: CRITERION_ID_PATTERN },
          title: { type: 'string', minLength: 1 },
          seed: { type: 'string', minLength: 1 },
          probe: { type: 'string', enum: [...PROBE_KINDS] },
          vantage: { type: 'string', minLength: 1 },
          expectation: { type: 'string', minLength: 1 },
          severity: { type: 'string', enum: ['critical', 'high', 'medium', 'low'] },
          spec: { type: 'object' },
        },
      },
    },
  },
} as const;

let compiled: ReturnType<Ajv['compile']> | undefined;
function validator() {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    compiled = ajv.compile(CRITERIA_SCHEMA);
  }
  return compiled;
}

/**
 * Validates parsed criteria data. `source` (a file path) prefixes every message.
 * Throws CriteriaError (ISOPROOF_INVALID_CRITERIA) listing every problem; its message is the first,
 * one line, e.g. `scenarios/x/criteria.yaml: criteria[2].id: must match ^...$ (got "net1")`.
 * A missing `spec` defaults to `{}`.
 */
export interface ValidateCriteriaOptions {
  /**
   * The scenario's probe families: when given, every criterion's probe kind must have a family, and
   * each family's validateSpec messages become problems (`<file>: criteria[i].spec: <message>`).
   */
  families?: ProbeFamily[];
}

export function validateCriteria(data: unknown, source: string, opts: ValidateCriteriaOptions = {}): Criterion[] {
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    const got = data === null || data === undefined ? 'an empty document' : Array.isArray(data) ? 'a list' : typeof data;
    throw new CriteriaError([`${source}: must be a mapping with a "criteria" list (got ${got})`]);
  }
  const validate = validator();
  const problems: string[] = [];
  if (!validate(data)) {
    problems.push(
      ...formatAjvErrors(source, data, validate.errors ?? [], {
        enumLabels: { probe: 'unknown probe kind' },
        rootKeys: ['description', 'criteria'],
      }),
    );
  }
  const list = (data as { criteria?: unknown }).criteria;
  if (Array.isArray(list)) {
    const first = new Map<string, number>();
    list.forEach((c, i) => {
      const id = c && typeof c === 'object' ? (c as { id?: unknown }).id : undefined;
      if (typeof id !== 'string') return;
      const prev = first.get(id);
      if (prev === undefined) first.set(id, i);
      else problems.push(`${source}: criteria[${i}].id: duplicate id "${id}" (first at criteria[${prev}])`);
    });
  }
  if (problems.length) throw new CriteriaError(problems);
  const criteria = (list as Criterion[]).map((c) => ({ ...c, spec: c.spec ?? {} }));
  if (opts.families) {
    const kinds = (f: ProbeFamily) => (Array.isArray(f.kind) ? f.kind : [f.kind]);
    const known = [...new Set(opts.families.flatMap(kinds))];
    criteria.forEach((c, i) => {
      const family = opts.families?.find((f) => kinds(f).includes(c.probe));
      if (!family) {
        problems.push(
          `${source}: criteria[${i}].probe: no probe family "${c.probe}" in this scenario (it has: ${known.join(', ') || 'none'})`,
        );
        return;
      }
      for (const m of family.validateSpec?.(c) ?? []) problems.push(`${source}: criteria[${i}].spec: ${m}`);
    });
    if (problems.length) throw new CriteriaError(problems);
  }
  return criteria;
}

/** Parses a YAML text and validates it (see validateCriteria). */
export function parseCriteria(text: string, source: string, opts: ValidateCriteriaOptions = {}): Criterion[] {
  return validateCriteria(parseYamlText(text, source, criteriaFail), source, opts);
}

/** Reads and validates a criteria.yaml file. */
export async function loadCriteria(file: string, opts: ValidateCriteriaOptions = {}): Promise<Criterion[]> {
  return validateCriteria(await readYamlFile(file, 'criteria file', criteriaFail), file, opts);
}
