import type { Answer, Classified } from '@isoproof/kube';
import { answerLine, firstLine, isAdmissionMessage, isAuthorizerDenial, isDryRunRefusal, isPodSecurityDenial } from '@isoproof/kube';

/**
 * Classifies a dry-run Pod create for the Pod Security question: only Pod Security's own 403
 * (`violates PodSecurity "<level>:<version>": ...`) is `denied`; 2xx is `allowed`. An authorizer 403
 * is an error (admission never exercised); any other admission refusal (webhook, policy, quota,
 * LimitRange, terminating namespace) or unexplained 403 is an error too: it says nothing about
 * Pod Security. The message always stays in the result (evidence).
 */
export function classifyAdmission(a: Answer): Classified {
  const s = a.status;
  const result = answerLine(a);
  if (s >= 200 && s < 300) return { outcome: 'allowed', result };
  if (s === 403) {
    const m = a.message ?? '';
    if (isPodSecurityDenial(a)) return { outcome: 'denied', result };
    if (isAuthorizerDenial(a)) return { outcome: 'error', result, error: `the identity may not create pods (authorization refused, admission not exercised): ${m}` };
    if (a.reason === 'Forbidden' && isAdmissionMessage(m)) {
      return { outcome: 'error', result, error: `refused by admission but not by Pod Security (says nothing about Pod Security): ${m}` };
    }
    return { outcome: 'error', result, error: `403 not from Pod Security admission: ${firstLine(m)}` };
  }
  if (s === 401) return { outcome: 'error', result, error: 'identity not authenticated (401)' };
  if (s === 422) return { outcome: 'error', result, error: `the probe pod is invalid (fix the probe): ${a.message ?? ''}` };
  if (s === 400 && isDryRunRefusal(a.message)) return { outcome: 'error', result, error: `dry-run refused: ${a.message}` };
  return { outcome: 'error', result, error: `unexpected answer: ${result}` };
}
