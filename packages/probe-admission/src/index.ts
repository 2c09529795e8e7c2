export { admissionFamily, validateAdmissionSpec, namespaceLabelObservation, refusalRules } from './admission';
export type { AdmissionSpec, RestrictedPodsSpec, NamespaceLabelSpec } from './admission';
export { workloadFamily, validateWorkloadSpec, judge, judgeResources, parseInspect, InspectReportError, INSPECT_COMMAND, PROPERTIES } from './workload';
export type { WorkloadSpec, InspectReport, Property } from './workload';
export { compliantPod, violatingPod, VIOLATIONS, VIOLATION_RULE, VIOLATION_TEXT } from './pods';
export type { Violation, ProbePod } from './pods';
