import type { EntryKind } from '../types.js';

/**
 * Every name a Kong changelog has used for a kind of change — OSS markdown section headings of
 * all eras, the Enterprise markdown sections, and the `type` values of the Enterprise JSON —
 * mapped onto the plan's kinds. Keys are normalised by `normaliseName`.
 */
const KIND_BY_NAME: ReadonlyMap<string, EntryKind> = new Map<string, EntryKind>([
  ['breaking changes', 'breaking'],
  ['breaking change', 'breaking'],
  // Enterprise markdown mixes both in one section; the breaking half is what must not be missed.
  ['breaking changes and deprecations', 'breaking'],
  // Keep-a-Changelog "Removed": a removed feature breaks whoever used it, and a planner should
  // over-report a break rather than miss one.
  ['removed', 'breaking'],
  ['deprecations', 'deprecation'],
  ['deprecation', 'deprecation'],
  ['deprecated', 'deprecation'],
  ['deprecation notices', 'deprecation'],
  ['additions', 'feature'],
  ['added', 'feature'],
  ['features', 'feature'],
  ['feature', 'feature'],
  ['improved', 'feature'],
  ['fixes', 'fix'],
  ['fixed', 'fix'],
  ['bugfix', 'fix'],
  ['bug fixes', 'fix'],
  ['dependencies', 'dependency'],
  ['dependency', 'dependency'],
  ['performance', 'performance'],
  ['known issues', 'known-issue'],
  ['known issue', 'known-issue'],
  ['known limitations', 'known-issue'],
  ['changes', 'other'],
  ['changed', 'other'],
  ['distribution', 'other'],
  ['distributions', 'other'],
  ['packaging', 'other'],
  ['installation', 'other'],
  ['upgrades', 'other'],
]);

/** Case, `_`/`-` separators (`breaking_change`, `known-issues`) and a trailing colon vary by era. */
function normaliseName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[_-]+/g, ' ')
    .replace(/:\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The kind a section heading or JSON `type` names; undefined when the name is not a kind (a scope, say). */
export function kindOf(name: string): EntryKind | undefined {
  return KIND_BY_NAME.get(normaliseName(name));
}

/** Items flagged `:warning:` (3.x OSS) are breaking whatever section they sit in. */
export function isFlaggedBreaking(text: string): boolean {
  return text.includes(':warning:') || text.includes('\u26a0');
}
