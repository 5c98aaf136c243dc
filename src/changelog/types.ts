/**
 * The shape every changelog parser produces and the plan carries (`releases` in plan JSON,
 * schema kong-upgrade/plan@1). Kinds are the plan's stable vocabulary; each parser maps its
 * source's section names onto them.
 */
export const ENTRY_KINDS = [
  'breaking',
  'deprecation',
  'feature',
  'fix',
  'dependency',
  'performance',
  'known-issue',
  'other',
] as const;

export type EntryKind = (typeof ENTRY_KINDS)[number];

export interface ChangelogEntry {
  readonly kind: EntryKind;
  /** The area as the source names it (Core, Plugin, Admin API, Configuration …); 'General' when none. */
  readonly scope: string;
  /** The entry as inline markdown (links and code kept) on one line; nested bullets joined with "; ". */
  readonly text: string;
}

export interface Release {
  /** As the source writes it: 3-part for OSS, 4-part for Enterprise (a few 3-part Enterprise keys exist). */
  readonly version: string;
  /** ISO date YYYY-MM-DD when the source gives one. */
  readonly date: string | undefined;
  readonly entries: readonly ChangelogEntry[];
}

/** Which file a set of releases came from, for the plan's `source` field and the summary's links. */
export type ChangelogFormat = 'oss-markdown' | 'enterprise-json' | 'enterprise-markdown';
