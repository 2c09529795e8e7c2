import { createHash } from 'node:crypto';
import { defaultRedactor } from '@isoproof/core';
import type { Outcome, Redactor } from '@isoproof/core';
import type { Report, ScenarioReport } from './model';
import { checkResources, resourceText, resourceUri } from './util';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

const SECURITY_SEVERITY: Record<string, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };
/** SARIF level of a located finding by its severity. */
const FINDING_LEVEL: Record<string, string> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };

interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string } };
  logicalLocations?: Array<{ name: string; kind: string; fullyQualifiedName: string }>;
  message?: { text: string };
}

function locationsFor(o: Outcome, sc: ScenarioReport): SarifLocation[] {
  const bad = o.checks.filter((c) => c.verdict !== 'PASS' || c.waived);
  const refs = checkResources(bad.length ? bad : o.checks);
  if (refs.length === 0) {
    // No object named in the evidence: point at the scenario itself.
    return [{ physicalLocation: { artifactLocation: { uri: `k8s://_cluster/Scenario/${encodeURIComponent(sc.scenario)}` } } }];
  }
  return refs.map((r) => ({
    physicalLocation: { artifactLocation: { uri: resourceUri(r) } },
    logicalLocations: [{ name: r.name, kind: r.kind, fullyQualifiedName: `${r.namespace ?? '_cluster'}/${r.kind}/${r.name}` }],
    message: { text: resourceText(r) },
  }));
}

function fingerprint(o: Outcome, sc: ScenarioReport): string {
  const key = [sc.scenario, sc.overlay ?? '', o.criterion.id, ...o.checks.filter((c) => c.verdict !== 'PASS').map((c) => c.id).sort()].join('\n');
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/**
 * SARIF 2.1.0: one rule per criterion id; one result per FAIL (level error) or INCONCLUSIVE (level
 * warning) outcome, located at the objects named in its evidence (`k8s://namespace/kind/name`,
 * cluster-scoped objects under `k8s://_cluster/...`). An outcome whose failing checks carry located
 * findings (evidence.findings: leaked secrets) gets one result per finding instead, at its object
 * (logical location `namespace/Kind/name:path`), leveled by the finding's severity. Redacted.
 */
export function renderSarif(report: Report, opts: { redactor?: Redactor } = {}): string {
  const r = (opts.redactor ?? defaultRedactor).scrub(report);
  const ruleIndex = new Map<string, number>();
  const rules: unknown[] = [];
  for (const sc of r.scenarios) {
    for (const o of sc.outcomes) {
      const c = o.criterion;
      if (ruleIndex.has(c.id)) continue;
      ruleIndex.set(c.id, rules.length);
      const props: Record<string, unknown> = { probe: c.probe, seed: c.seed, tags: ['security', 'kubernetes', 'isolation', c.probe] };
      if (c.severity) {
        props.severity = c.severity;
        props['security-severity'] = SECURITY_SEVERITY[c.severity];
      }
      rules.push({
        id: c.id,
        name: c.id,
        shortDescription: { text: c.title },
        fullDescription: { text: `${c.title}. From ${c.vantage}: ${c.expectation}.` },
        help: { text: `Seed: ${c.seed}. Expectation: ${c.expectation}. Vantage: ${c.vantage}.` },
        defaultConfiguration: { level: 'error' },
        properties: props,
      });
    }
  }
  const results: unknown[] = [];
  for (const sc of r.scenarios) {
    for (const o of sc.outcomes) {
      if (o.verdict === 'PASS') continue;
      const failing = o.checks.filter((c) => c.verdict === o.verdict).map((c) => c.id);
      const props: Record<string, unknown> = { verdict: o.verdict, scenario: sc.scenario, failingChecks: failing };
      if (sc.overlay) props.overlay = sc.overlay;
      if (o.waiver) props.waiver = { state: o.waiver.state, owner: o.waiver.owner, expires: o.waiver.expires };
      // findings located inside objects (leaked secrets): one result each, at its object and path
      const findings = o.checks.filter((c) => c.verdict === o.verdict).flatMap((c) => c.observation.evidence.findings ?? []);
      if (findings.length) {
        for (const f of findings) {
          const fq = `${f.resource.namespace ?? '_cluster'}/${f.resource.kind}/${f.resource.name}:${f.path}`;
          results.push({
            ruleId: o.criterion.id,
            ruleIndex: ruleIndex.get(o.criterion.id),
            level: FINDING_LEVEL[f.severity] ?? 'warning',
            kind: 'fail',
            message: { text: `${o.verdict}: ${f.rule} [${f.severity}] at ${resourceText(f.resource)} ${f.path} (${f.hash})` },
            locations: [
              {
                physicalLocation: { artifactLocation: { uri: resourceUri(f.resource) } },
                logicalLocations: [{ name: f.path, kind: 'member', fullyQualifiedName: fq }],
                message: { text: `${resourceText(f.resource)} ${f.path}` },
              },
            ],
            partialFingerprints: { 'isoproofFinding/v1': createHash('sha256').update([sc.scenario, sc.overlay ?? '', o.criterion.id, f.rule, fq].join('\n')).digest('hex').slice(0, 32) },
            properties: { ...props, finding: f.rule, severity: f.severity, 'security-severity': SECURITY_SEVERITY[f.severity] },
          });
        }
        continue;
      }
      results.push({
        ruleId: o.criterion.id,
        ruleIndex: ruleIndex.get(o.criterion.id),
        level: o.verdict === 'FAIL' ? 'error' : 'warning',
        kind: 'fail',
        message: { text: `${o.verdict}: ${o.reason}` },
        locations: locationsFor(o, sc),
        partialFingerprints: { 'isoproofCriterion/v1': fingerprint(o, sc) },
        properties: props,
      });
    }
  }
  const sarif = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: r.tool.name,
            version: r.tool.version,
            semanticVersion: r.tool.version,
            informationUri: 'https://isoproof.dev',
            rules,
          },
        },
        automationDetails: { id: `isoproof/${r.provider}/${r.run.id}` },
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: r.run.startedAt,
            endTimeUtc: r.finishedAt,
            exitCode: r.exitCode,
          },
        ],
        properties: { provider: r.provider, serverVersion: r.cluster.serverVersion, verdict: r.verdict },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
