import Ajv from 'ajv';
import { codedError, PROBE_KINDS } from '@isoproof/core';
import type { Report } from './model';

/** The report JSON does not match its schema (a bug in whoever built it). */
export class ReportError extends codedError('ISOPROOF_INVALID_REPORT') {}

const str = { type: 'string' } as const;
const strList = { type: 'array', items: str } as const;
const verdict = { type: 'string', enum: ['PASS', 'FAIL', 'INCONCLUSIVE'] } as const;

/**
 * JSON Schema (draft-07) of report.json, schemaVersion 1.1 (1.0 reports, without `interrupted`, match
 * it too). The top level is closed; objects below it
 * (outcomes, checks, observations, evidence) accept extra fields, so optional model additions stay
 * 1.x-compatible (readers ignore what they do not know).
 */
export const REPORT_SCHEMA = {
  $id: 'https://isoproof.dev/schemas/report-1.1.json',
  title: 'isoproof report',
  type: 'object',
  required: ['schemaVersion', 'tool', 'run', 'finishedAt', 'durationMs', 'provider', 'cluster', 'verdict', 'exitCode', 'summary', 'scenarios'],
  additionalProperties: false,
  definitions: {
    resource: {
      type: 'object',
      required: ['kind', 'name'],
      properties: { kind: str, name: str, namespace: str, apiVersion: str },
    },
    evidence: {
      type: 'object',
      properties: {
        sent: str,
        received: str,
        resources: { type: 'array', items: { $ref: '#/definitions/resource' } },
        notes: strList,
        findings: {
          type: 'array',
          items: {
            type: 'object',
            required: ['rule', 'severity', 'resource', 'path', 'hash'],
            properties: { rule: str, severity: { type: 'string', enum: ['critical', 'high', 'medium', 'low'] }, resource: { $ref: '#/definitions/resource' }, path: str, hash: str },
          },
        },
      },
    },
    observation: {
      type: 'object',
      required: ['outcome', 'result', 'evidence'],
      properties: {
        outcome: { type: 'string', enum: ['allowed', 'denied', 'holds', 'violated', 'error'] },
        result: str,
        latencyMs: { type: 'number', minimum: 0 },
        evidence: { $ref: '#/definitions/evidence' },
        error: str,
      },
    },
    check: {
      type: 'object',
      required: ['id', 'expect', 'observation', 'verdict', 'reason'],
      properties: {
        id: str,
        expect: { type: 'string', enum: ['denied', 'allowed', 'holds'] },
        observation: { $ref: '#/definitions/observation' },
        control: { $ref: '#/definitions/observation' },
        verdict,
        reason: str,
        waived: { type: 'boolean' },
      },
    },
    waiver: {
      type: 'object',
      required: ['criterion', 'selector', 'reason', 'owner', 'expires', 'state'],
      properties: {
        criterion: str,
        selector: str,
        reason: str,
        owner: str,
        expires: str,
        state: { type: 'string', enum: ['active', 'expired'] },
      },
    },
    outcome: {
      type: 'object',
      required: ['criterion', 'verdict', 'reason', 'checks'],
      properties: {
        criterion: {
          type: 'object',
          required: ['id', 'title', 'seed', 'probe', 'vantage', 'expectation'],
              properties: {
            id: str,
            title: str,
            seed: str,
            probe: { type: 'string', enum: [...PROBE_KINDS] },
            vantage: str,
            expectation: str,
            severity: { type: 'string', enum: ['critical', 'high', 'medium', 'low'] },
          },
        },
        verdict,
        reason: str,
        checks: { type: 'array', items: { $ref: '#/definitions/check' } },
        waiver: { $ref: '#/definitions/waiver' },
      },
    },
    section: {
      type: 'object',
      required: ['type', 'title'],
      properties: { type: { type: 'string', enum: ['table', 'grid', 'text'] }, title: str },
      allOf: [
        {
          if: { properties: { type: { const: 'table' } } },
          then: {
            required: ['columns', 'rows'],
            properties: { type: str, title: str, columns: strList, rows: { type: 'array', items: strList }, note: str },
          },
        },
        {
          if: { properties: { type: { const: 'grid' } } },
          then: {
            required: ['rowLabels', 'colLabels', 'cells', 'legend'],
            properties: {
              type: str,
              title: str,
              rowLabels: strList,
              colLabels: strList,
              cells: { type: 'array', items: strList },
              legend: str,
            },
          },
        },
        {
          if: { properties: { type: { const: 'text' } } },
          then: { required: ['body'], properties: { type: str, title: str, body: str } },
        },
      ],
    },
    counts: {
      type: 'object',
      required: ['total', 'pass', 'fail', 'inconclusive', 'waived'],
      properties: {
        total: { type: 'integer', minimum: 0 },
        pass: { type: 'integer', minimum: 0 },
        fail: { type: 'integer', minimum: 0 },
        inconclusive: { type: 'integer', minimum: 0 },
        waived: { type: 'integer', minimum: 0 },
        scenarios: { type: 'integer', minimum: 0 },
      },
    },
  },
  properties: {
    schemaVersion: { type: 'string', enum: ['1.0', '1.1'] },
    tool: { type: 'object', required: ['name', 'version'], additionalProperties: false, properties: { name: str, version: str } },
    run: {
      type: 'object',
      required: ['id', 'startedAt'],
      additionalProperties: false,
      properties: { id: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }, startedAt: str },
    },
    finishedAt: str,
    durationMs: { type: 'number', minimum: 0 },
    provider: str,
    cluster: { type: 'object', required: ['serverVersion'], additionalProperties: false, properties: { serverVersion: str } },
    verdict,
    exitCode: { type: 'integer', enum: [0, 1, 2] },
    summary: { allOf: [{ $ref: '#/definitions/counts' }, { required: ['scenarios'] }] },
    proofs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['scenario', 'overlay', 'flips', 'ok', 'problems'],
        additionalProperties: false,
        properties: { scenario: str, overlay: str, flips: strList, ok: { type: 'boolean' }, problems: strList },
      },
    },
    interrupted: {
      type: 'object',
      required: ['signal', 'during'],
      additionalProperties: false,
      properties: { signal: { type: 'string', enum: ['SIGINT', 'SIGTERM'] }, during: str },
    },
    scenarios: {
      type: 'array',
      items: {
        type: 'object',
        required: ['scenario', 'outcomes', 'sections', 'durationMs'],
        properties: {
          scenario: str,
          overlay: str,
          outcomes: { type: 'array', items: { $ref: '#/definitions/outcome' } },
          sections: { type: 'array', items: { $ref: '#/definitions/section' } },
          durationMs: { type: 'number', minimum: 0 },
        },
      },
    },
  },
} as const;

let compiled: ReturnType<Ajv['compile']> | undefined;

/** Problems found in a report object (empty when it matches REPORT_SCHEMA), one line each. */
export function reportProblems(report: unknown): string[] {
  if (!compiled) compiled = new Ajv({ allErrors: true, strict: false }).compile(REPORT_SCHEMA);
  if (compiled(report)) return [];
  return (compiled.errors ?? []).map((e) => `report${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}: ${e.message ?? 'invalid'}`);
}

/** Throws ReportError unless the report matches the schema. */
export function assertValidReport(report: unknown): asserts report is Report {
  const p = reportProblems(report);
  if (p.length) throw new ReportError(`invalid report: ${p[0]}${p.length > 1 ? ` (and ${p.length - 1} more)` : ''}`);
}
