/**
 * The isoproof model. Every package speaks these types; see ../../shared/ARCHITECTURE.md (vocabulary).
 *
 * Flow: a Criterion is compiled by its probe family into Checks; each Check carries the Observation of
 * the real attempt and, for every deny, the Observation of its Control (the positive twin). Evaluation
 * turns a criterion's Checks into an Outcome: PASS, FAIL or INCONCLUSIVE, with a reason and Evidence.
 */

export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

/** Probe families; one package per family (packages/probe-*). */
export type ProbeKind = 'network' | 'rbac' | 'admission' | 'workload' | 'audit' | 'tls' | 'secrets';

export const PROBE_KINDS: readonly ProbeKind[] = [
  'network',
  'rbac',
  'admission',
  'workload',
  'audit',
  'tls',
  'secrets',
] as const;

/** Who or where the attempt is made from. Never the cluster admin. */
export type Identity =
  | { kind: 'ServiceAccount'; namespace: string; name: string }
  | { kind: 'User'; name: string; groups?: string[] }
  | { kind: 'Group'; name: string }
  | { kind: 'Pod'; namespace: string; selector: Record<string, string> }
  | { kind: 'Anonymous' };

/** A Kubernetes object named in evidence and in SARIF locations (k8s://namespace/kind/name). */
export interface ResourceRef {
  kind: string;
  name: string;
  namespace?: string;
  apiVersion?: string;
}

/**
 * A criterion is data (criteria.yaml in a scenario), validated by the criteria schema.
 * `spec` holds the probe family's own parameters, validated by that family.
 */
export interface Criterion {
  /** Stable id: upper-case words joined by dashes, ending in a number, e.g. NET-TENANT-01. */
  id: string;
  title: string;
  /** Where the requirement comes from, e.g. "001 US-INFRA-04: tenant A cannot reach tenant B". */
  seed: string;
  probe: ProbeKind;
  /** The identity or vantage point used, in words (e.g. "pod app=web in tenant-a"). */
  vantage: string;
  /** What must hold, in words (e.g. "connect times out"). */
  expectation: string;
  severity?: 'critical' | 'high' | 'medium' | 'low';
  /** Family-specific parameters. */
  spec: Record<string, unknown>;
}

/**
 * What a probe saw. A probe never throws for an expected denial: it returns `denied`.
 * - allowed / denied: the attempt succeeded / was refused by the control under test
 * - holds / violated: a property check (TLS, secrets, workload) is met / not met
 * - error: the probe could not tell (infra error, unreachable, 5xx, refused where a timeout was due)
 */
export type ObservationOutcome = 'allowed' | 'denied' | 'holds' | 'violated' | 'error';

export interface Evidence {
  /** What was sent (request line, connect target, dry-run object summary). Redacted. */
  sent?: string;
  /** What came back (status + reason, classification, handshake facts). Redacted. */
  received?: string;
  /** The objects involved (SARIF locations). */
  resources?: ResourceRef[];
  /** Free notes (e.g. "SelfSubjectAccessReview said allowed; real attempt denied"). Redacted. */
  notes?: string[];
  /** Findings located in objects (leaked secrets): one SARIF result each. Never a value. */
  findings?: EvidenceFinding[];
}

/** One finding inside an object: its family, severity, object and path, and a keyed hash of the value. */
export interface EvidenceFinding {
  rule: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
  resource: ResourceRef;
  /** Where in the object, e.g. `data.DB_PASSWORD` or `log[app] line 12`. */
  path: string;
  /** Keyed hash of the value (correlation only). */
  hash: string;
}

export interface Observation {
  outcome: ObservationOutcome;
  /** The raw classification, e.g. connected | refused | timeout | dns-error | infra-error, "403 Forbidden". */
  result: string;
  latencyMs?: number;
  evidence: Evidence;
  /** Set when outcome is error: why the probe could not tell. */
  error?: string;
}

/**
 * One attempt under a criterion.
 * - expect 'denied': the observation must be `denied`, and a control observation must be `allowed`.
 * - expect 'allowed': the observation must be `allowed` (it is its own control).
 * - expect 'holds': the observation must be `holds`.
 */
export interface Check {
  /** Stable key of the cell, e.g. "tenant-a/client -> tenant-b/server:8080/TCP". */
  id: string;
  expect: 'denied' | 'allowed' | 'holds';
  observation: Observation;
  /** The positive twin of a deny: same source and target, an allowed port or identity. */
  control?: Observation;
}

export interface Waiver {
  criterion: string;
  /** Which checks it covers: a glob on Check.id ("*" for all). */
  selector: string;
  reason: string;
  owner: string;
  /** ISO date (YYYY-MM-DD, end of that day UTC) or date-time. */
  expires: string;
}

export interface CheckResult extends Check {
  verdict: Verdict;
  reason: string;
  waived?: boolean;
}

export interface Outcome {
  criterion: Pick<Criterion, 'id' | 'title' | 'seed' | 'probe' | 'vantage' | 'expectation' | 'severity'>;
  verdict: Verdict;
  reason: string;
  checks: CheckResult[];
  /** Waiver that turned FAIL into PASS, or that expired (then verdict is FAIL). */
  waiver?: Waiver & { state: 'active' | 'expired' };
}

/** A run: one execution. Every object it creates carries RUN_LABEL=<id>. */
export interface Run {
  id: string;
  startedAt: string;
}

export const RUN_LABEL = 'isoproof.dev/run';
/** Marks objects of ours that are not tied to one run (e.g. scenario namespaces). */
export const MANAGED_LABEL = 'isoproof.dev/managed';

/**
 * Probe context handed to a probe family by the runner. Probes build their own clients from the
 * kubeconfig (packages/kube), never from the user's default config.
 */
export interface ProbeContext {
  run: Run;
  kubeconfigPath: string;
  context?: string;
  /** Scenario being probed (namespaces etc. come from its manifests). */
  scenario: string;
  /** Where probes may write extra evidence files. */
  artifactsDir?: string;
  /** Provider name: kind | existing | local (e.g. the audit log location differs). */
  provider: string;
  /** Provider-specific facts probes may need (e.g. auditLogPath, nodeAddress, ingressAddress). */
  facts: Record<string, string>;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** A probe family: compiles its criteria into checks and executes them. */
export interface ProbeFamily {
  kind: ProbeKind | ProbeKind[];
  /** Validate a criterion's spec; returns error messages (empty when valid). */
  validateSpec?(criterion: Criterion): string[];
  /** Run all criteria of this family for one scenario; returns checks per criterion id. */
  run(criteria: Criterion[], ctx: ProbeContext): Promise<Map<string, Check[]>>;
  /** Extra report sections (truth tables, access matrices, TLS tables) from the last run. */
  sections?(): ReportSection[];
}

/** A rendered-agnostic block the Markdown/console renderers show under a scenario. */
export type ReportSection =
  | { type: 'table'; title: string; columns: string[]; rows: string[][]; note?: string }
  | { type: 'grid'; title: string; rowLabels: string[]; colLabels: string[]; cells: string[][]; legend: string }
  | { type: 'text'; title: string; body: string };

/**
 * A scenario package (scenarios/<name>): `manifests/` (baseline), `overlays/<overlay>/` (seeded
 * violations), `criteria.yaml`, README. Its src/index.ts exports `scenario: ScenarioDefinition`.
 */
export interface ScenarioDefinition {
  name: string;
  description: string;
  /** Absolute path of the scenario package directory. */
  dir: string;
  /** Probe families this scenario's criteria use. */
  families: ProbeFamily[];
  /** Optional work after the manifests are applied and ready (e.g. issue test certificates). */
  prepare?(ctx: ProbeContext): Promise<void>;
  /** Optional removal of what `prepare` left outside the cluster (files, listeners); called once the
   * scenario's objects are removed. Idempotent. */
  cleanup?(): Promise<void>;
}

/**
 * overlays/<name>/overlay.yaml. The overlay's manifests = the baseline, minus `remove`, plus every
 * other YAML file in the overlay directory (an object with the same apiVersion/kind/namespace/name
 * as a baseline object replaces it).
 */
export interface OverlayDefinition {
  name: string;
  description: string;
  /** Criterion ids this seeded violation must flip to FAIL (and only these). */
  flips: string[];
  remove?: ResourceRef[];
}
