import { isPlaceholder, isReferenceKey, isStructuralKey } from './allowlist';
import type { Dismissals } from './dismissals';
import { SECRET_KEY_WORD, countDismissal, genericDismissal } from './dismissals';
import { KEYED_RULES, keyedRuleOf } from './keyed-rules';
import type { RuleMatch } from './rules';
import { RULES, RULE_IDS, severityOf } from './rules';

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Every rule hit in `text`; overlapping spans are reported once (the most specific rule wins). */
export function scanText(text: string, opts: { rules?: readonly string[]; dismissed?: Dismissals } = {}): RuleMatch[] {
  const out: RuleMatch[] = [];
  const spans: Array<[number, number]> = [];
  const overlaps = (a: number, b: number) => spans.some(([s, e]) => a < e && b > s);
  for (const rule of RULES) {
    rule.pattern.lastIndex = 0;
    let m: RegExpExecArray | null;
    let guard = 0;
    while ((m = rule.pattern.exec(text)) !== null && guard++ < 10_000) {
      if (m[0].length === 0) {
        rule.pattern.lastIndex++;
        continue;
      }
      const value = rule.group ? m[rule.group] : m[0];
      if (!value) continue;
      const index = m.index + (rule.group ? m[0].indexOf(value, rule.group === 2 && m[1] ? m[1].length : 0) : 0);
      const end = index + value.length;
      if (overlaps(index, end)) continue;
      if (rule.accept && !rule.accept(value, m)) {
        const why = rule.dismissal?.(value, m);
        if (why) countDismissal(opts.dismissed, why);
        continue;
      }
      if (rule.placeholderCheck !== false && isPlaceholder(value)) {
        if (rule.dismissal) countDismissal(opts.dismissed, 'placeholder');
        continue;
      }
      const id = rule.classify ? rule.classify(value, m) : rule.id;
      if (opts.rules && !opts.rules.includes(id) && !opts.rules.includes(rule.id)) continue;
      spans.push([index, end]);
      const keyed = KEYED_RULES.find((r) => r.id === id);
      out.push({ rule: id, title: keyed?.title ?? rule.title, severity: severityOf(id), value, index, line: lineAt(text, index) });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * Scans one keyed value of structured data (a ConfigMap key, an env var, an annotation, a JSON leaf).
 * Order: a keyed family whose name is the strong signal (AWS_SECRET_ACCESS_KEY, DB_PASSWORD) with its
 * value shape, before anything else; then the text rules on the value; then the generic rule on the
 * key name when the value as a whole looks like a secret. A value under a secret-named key that is
 * dropped is counted in `dismissed` with the reason.
 */
export function scanKeyValue(key: string, value: string, opts: { rules?: readonly string[]; dismissed?: Dismissals } = {}): RuleMatch[] {
  if (isStructuralKey(key)) return [];
  const keyed = isReferenceKey(key) ? undefined : keyedRuleOf(key);
  const v = value.trim();
  if (keyed && !value.includes('\n') && (!opts.rules || opts.rules.includes(keyed.id))) {
    // the family's own shape first; a value that fits is the family's finding whatever else it looks like
    const why = keyed.value(v);
    if (why === undefined) {
      // a more specific text rule on the same value (a JWT in a PASSWORD) still names it
      const specific = scanText(value, { rules: opts.rules ?? RULE_IDS.filter((r) => r !== 'generic-secret') }).filter((h) => h.rule !== 'generic-secret' && h.rule !== keyed.id);
      if (specific.length) return specific;
      const index = value.indexOf(v);
      return [{ rule: keyed.id, title: keyed.title, severity: keyed.severity, value: v, index, line: lineAt(value, index) }];
    }
    const hits = scanText(value, opts);
    if (hits.length) return hits;
    countDismissal(opts.dismissed, why);
    return [];
  }
  const hits = scanText(value, opts);
  if (hits.length > 0) return hits;
  if (opts.rules && !opts.rules.includes('generic-secret')) return [];
  if (SECRET_KEY_WORD.test(key)) {
    const why = genericDismissal(key, value);
    if (why === undefined) {
      const index = value.indexOf(v);
      return [{ rule: 'generic-secret', title: 'Secret-looking value in a secret-named key', severity: 'medium', value: v, index, line: lineAt(value, index) }];
    }
    countDismissal(opts.dismissed, why);
  }
  return [];
}
