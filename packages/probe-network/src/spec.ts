import type { Criterion } from '@isoproof/core';

/** Pods selected by labels in one namespace. */
export interface PodRef {
  namespace: string;
  selector: Record<string, string>;
}

/** Where a cell connects to. */
export type TargetSpec =
  | PodRef
  | { service: string } // "name.namespace"
  | { dns: string } // a name to resolve (the cell passes when it resolves)
  | { external: true }; // ctx.facts.externalTarget ("ip:port"), a listener the project owns

export interface ControlSpec {
  port?: number | string;
  from?: PodRef;
  to?: PodRef | { service: string };
}

export interface CellSpec {
  from: PodRef;
  to: TargetSpec;
  /** A number or a port name (container port name on pods, port name on Services). Not for dns. */
  port?: number | string;
  protocol?: 'TCP' | 'UDP';
  expect: 'deny' | 'allow';
  control?: ControlSpec;
}

/** A network criterion's spec: one cell inline, or `cells: [...]`. */
export interface NetworkCriterionSpec {
  cells: CellSpec[];
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPodRef(v: unknown, where: string, out: string[]): void {
  if (!isRecord(v)) {
    out.push(`${where}: must be an object {namespace, selector}`);
    return;
  }
  if (typeof v.namespace !== 'string' || !DNS1123.test(v.namespace)) out.push(`${where}.namespace: must be a namespace name`);
  if (!isRecord(v.selector) || Object.values(v.selector).some((x) => typeof x !== 'string')) {
    out.push(`${where}.selector: must be a map of label -> value`);
  } else if (Object.keys(v.selector).length === 0) {
    out.push(`${where}.selector: must name at least one label`);
  }
}

function checkPort(v: unknown, where: string, out: string[]): void {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 65535) out.push(`${where}: must be within 1..65535`);
  } else if (typeof v === 'string') {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) || v.length > 15) out.push(`${where}: a port name must be an IANA_SVC_NAME (lower-case, <= 15 chars)`);
  } else {
    out.push(`${where}: must be a port number or a port name`);
  }
}

function checkService(v: unknown, where: string, out: string[]): void {
  if (typeof v !== 'string' || !/^[a-z0-9-]+\.[a-z0-9-]+$/.test(v)) out.push(`${where}: must be "name.namespace"`);
}

function checkTarget(v: unknown, where: string, out: string[]): void {
  if (!isRecord(v)) {
    out.push(`${where}: must be {namespace, selector} | {service} | {dns} | {external: true}`);
    return;
  }
  if ('service' in v) checkService(v.service, `${where}.service`, out);
  else if ('dns' in v) {
    if (typeof v.dns !== 'string' || !/^[a-z0-9.-]+$/.test(v.dns)) out.push(`${where}.dns: must be a DNS name`);
  } else if ('external' in v) {
    if (v.external !== true) out.push(`${where}.external: must be true`);
  } else checkPodRef(v, where, out);
}

function checkCell(v: unknown, where: string, out: string[]): void {
  if (!isRecord(v)) {
    out.push(`${where}: must be an object`);
    return;
  }
  const known = new Set(['from', 'to', 'port', 'protocol', 'expect', 'control']);
  for (const k of Object.keys(v)) if (!known.has(k)) out.push(`${where}.${k}: unknown field (known: ${[...known].join(', ')})`);
  checkPodRef(v.from, `${where}.from`, out);
  checkTarget(v.to, `${where}.to`, out);
  const isDns = isRecord(v.to) && 'dns' in v.to;
  const isExternal = isRecord(v.to) && 'external' in v.to;
  if (isDns) {
    if (v.port !== undefined) out.push(`${where}.port: not used for a dns target`);
  } else if (isExternal) {
    if (v.port !== undefined) out.push(`${where}.port: the external target's port comes from facts.externalTarget`);
  } else if (v.port === undefined) out.push(`${where}.port: required`);
  else checkPort(v.port, `${where}.port`, out);
  if (v.protocol !== undefined && v.protocol !== 'TCP' && v.protocol !== 'UDP') out.push(`${where}.protocol: must be TCP or UDP`);
  if (v.expect !== 'deny' && v.expect !== 'allow') out.push(`${where}.expect: must be deny or allow`);
  if (v.control !== undefined) {
    if (v.expect !== 'deny') out.push(`${where}.control: only a deny has a control`);
    if (!isRecord(v.control)) out.push(`${where}.control: must be an object {port?, from?, to?}`);
    else {
      if (v.control.port !== undefined) checkPort(v.control.port, `${where}.control.port`, out);
      if (v.control.from !== undefined) checkPodRef(v.control.from, `${where}.control.from`, out);
      if (v.control.to !== undefined) {
        if (isRecord(v.control.to) && 'service' in v.control.to) checkService(v.control.to.service, `${where}.control.to.service`, out);
        else checkPodRef(v.control.to, `${where}.control.to`, out);
      }
    }
  }
}

/** Errors of a network criterion's spec (empty when valid). */
export function validateNetworkSpec(criterion: Criterion): string[] {
  const out: string[] = [];
  const spec = criterion.spec as Record<string, unknown>;
  if (Array.isArray(spec.cells)) {
    if (spec.cells.length === 0) out.push('spec.cells: must hold at least one cell');
    if (spec.cells.length > 200) out.push('spec.cells: at most 200 cells per criterion');
    spec.cells.forEach((c, i) => checkCell(c, `spec.cells[${i}]`, out));
    for (const k of Object.keys(spec)) if (k !== 'cells') out.push(`spec.${k}: unknown field next to cells`);
  } else if (spec.cells !== undefined) {
    out.push('spec.cells: must be a list');
  } else {
    checkCell(spec, 'spec', out);
  }
  return out;
}

/** The cells of a (valid) network criterion. */
export function cellsOf(criterion: Criterion): CellSpec[] {
  const spec = criterion.spec as Record<string, unknown>;
  if (Array.isArray(spec.cells)) return spec.cells as CellSpec[];
  return [spec as unknown as CellSpec];
}

export function isPodRef(t: TargetSpec | ControlSpec['to']): t is PodRef {
  return t !== undefined && 'namespace' in t;
}
