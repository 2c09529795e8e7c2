import type { Check, Criterion, ProbeContext, ProbeFamily, ProbeKind, ReportSection } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import { IdentityClients } from './identity-clients';
import type { KubeHandle } from './kubeconfig';
import { loadKube } from './kubeconfig';

/** What one run of a family writes to, and the handles it shares; made afresh for every run. */
export interface ProbeRun {
  /** The admin handle of the run's kubeconfig and context, loaded on first use. */
  readonly kube: KubeHandle;
  /**
   * Clients acting as identities, made on first use; the ServiceAccount tokens they mint are
   * revoked when the run ends (thrown or not).
   */
  readonly identities: IdentityClients;
  /** The checks of a criterion: the same list on every call, made empty on the first. */
  checks(criterionId: string): Check[];
  /** Adds report sections, shown in the order added. */
  section(...sections: ReportSection[]): void;
}

/** A probe family as `defineProbeFamily` takes it: its kind, spec validation and one run. */
export interface ProbeFamilyDefinition {
  kind: ProbeKind;
  validateSpec(criterion: Criterion): string[];
  /** Scrub the sections with core's redactor whenever they are read. */
  redactSections?: boolean;
  /** Probes `criteria`: every check and section goes to `out`. */
  run(criteria: Criterion[], ctx: ProbeContext, out: ProbeRun): Promise<void>;
}

/** A family made by defineProbeFamily: spec validation and sections are always there. */
export interface DefinedProbeFamily extends ProbeFamily {
  validateSpec(criterion: Criterion): string[];
  sections(): ReportSection[];
}

/**
 * A probe family from its definition: `run` gets a fresh ProbeRun, returns its checks per
 * criterion id, and closes the identity clients it used; `sections()` are those of the last run.
 */
export function defineProbeFamily(def: ProbeFamilyDefinition): DefinedProbeFamily {
  let sections: ReportSection[] = [];
  return {
    kind: def.kind,
    validateSpec: def.validateSpec,
    sections: () => (def.redactSections ? defaultRedactor.scrub(sections) : sections),
    async run(criteria: Criterion[], ctx: ProbeContext): Promise<Map<string, Check[]>> {
      sections = [];
      const checks = new Map<string, Check[]>();
      let kube: KubeHandle | undefined;
      let identities: IdentityClients | undefined;
      const out: ProbeRun = {
        get kube() {
          return (kube ??= loadKube(ctx.kubeconfigPath, ctx.context));
        },
        get identities() {
          return (identities ??= new IdentityClients(out.kube, ctx.run.id));
        },
        checks(id) {
          let list = checks.get(id);
          if (!list) checks.set(id, (list = []));
          return list;
        },
        section: (...s) => void sections.push(...s),
      };
      try {
        await def.run(criteria, ctx, out);
        return checks;
      } finally {
        // revoke the ServiceAccount tokens this run minted (their anchor Secrets go)
        const left = identities ? await identities.close() : [];
        if (left.length) ctx.log(`${def.kind}: could not delete the token anchor Secrets ${left.join(', ')} (their tokens expire within 600 s)`);
      }
    },
  };
}
