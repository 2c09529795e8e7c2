import { isPlaceholder, isReferenceKey, isStructuralKey, looksLikePathOrReference } from './allowlist';
import { charClasses, shannonEntropy } from './entropy';

/** Key words that make a key name secret-bearing (DB_PASSWORD, apiKey, client_secret, ...). */
export const SECRET_KEY_WORD = /(?:passw(?:or)?d|passwd|\bpwd|pwd\b|_pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|signing[_.-]?key|encryption[_.-]?key|credentials?|\bauth\b|pass(?:phrase)?\b)/i;

/** Why a candidate value under a secret-named key was looked at and dismissed. */
export type DismissReason = 'length' | 'reference-key' | 'placeholder' | 'path-or-reference' | 'number-or-ip' | 'plain-word' | 'whitespace' | 'low-entropy';

/** Counts of dismissed candidates by reason (kept per scanned unit, shown in the evidence). */
export type Dismissals = Partial<Record<DismissReason, number>>;

export function countDismissal(d: Dismissals | undefined, reason: DismissReason): void {
  if (d) d[reason] = (d[reason] ?? 0) + 1;
}

/** "3 (path-or-reference 2, placeholder 1)"; undefined when nothing was dismissed. */
export function describeDismissals(d: Dismissals | undefined): string | undefined {
  const entries = Object.entries(d ?? {}).filter(([, n]) => (n ?? 0) > 0) as Array<[string, number]>;
  if (!entries.length) return undefined;
  const total = entries.reduce((a, [, n]) => a + n, 0);
  return `${total} candidate value(s) under secret-named keys looked at and dismissed (${entries.map(([r, n]) => `${r} ${n}`).join(', ')})`;
}

/** Why the generic filter drops `value` under `key`; undefined when it is kept as a secret. */
export function genericDismissal(key: string, value: string): DismissReason | undefined {
  const v = value.trim();
  if (v.length < 8 || v.length > 512) return 'length';
  if (isStructuralKey(key) || isReferenceKey(key)) return 'reference-key';
  if (isPlaceholder(v)) return 'placeholder';
  if (looksLikePathOrReference(v)) return 'path-or-reference';
  if (/^\d+$/.test(v) || /^(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?$/.test(v)) return 'number-or-ip';
  if (/^[A-Za-z]+$/.test(v) && v.length < 20) return 'plain-word';
  if (/\s/.test(v)) return 'whitespace'; // sentences are not secrets
  return shannonEntropy(v) >= 3.0 && charClasses(v) >= 2 ? undefined : 'low-entropy';
}

/** Generic secret filter shared by the key=value rule (text) and keyed values (structured data). */
export function acceptGenericValue(key: string, value: string): boolean {
  return genericDismissal(key, value) === undefined;
}
