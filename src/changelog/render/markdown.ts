import { bulletList, details, fitToLimit, table } from '../../lib/markdown.js';
import { inspectedLines } from '../plan-impacts.js';
import type { PlanImpact, UpgradePlan } from '../plan-types.js';
import { finishText } from './text.js';
import { ENTRY_KINDS, type EntryKind, type Release } from '../types.js';

/**
 * The plan as a reviewer reads it in the job summary: what moves where, what breaks and what
 * hits this deployment first, everything else folded. Kept under the runner's summary limit;
 * the full plan is in the JSON file.
 */
const KIND_TITLES: Record<EntryKind, string> = {
  breaking: 'Breaking changes',
  deprecation: 'Deprecations',
  feature: 'Features',
  fix: 'Fixes',
  dependency: 'Dependencies',
  performance: 'Performance',
  'known-issue': 'Known issues',
  other: 'Other changes',
};

export function renderPlanMarkdown(plan: UpgradePlan, limitBytes: number): string {
  const sections = [
    header(plan),
    impactsSection(plan),
    notesSection(plan),
    breakingSection(plan.releases),
    hopsSection(plan),
    strategySection(plan),
    databaseSection(plan),
    kongConfSection(plan),
    ...ENTRY_KINDS.filter((kind) => kind !== 'breaking').map((kind) => kindSection(plan.releases, kind)),
    sourcesSection(plan),
  ].filter((section): section is string => section !== undefined);
  return fitToLimit(sections, limitBytes, '_The summary was cut to stay under the runner\'s size limit: the plan JSON has everything._');
}

function header(plan: UpgradePlan): string {
  const path = [plan.from, ...plan.hops.map((hop) => hop.to)].join(' → ');
  const counts = table(
    ['Hops', 'Releases', 'Breaking', 'Deprecations', 'Impacts here', 'Needs `finish`', 'Source'],
    [[
      String(plan.hops.length),
      String(plan.releases.length),
      String(plan.counts.breaking + plan.notes.length),
      String(plan.counts.deprecation),
      String(plan.impacts.length),
      plan.requiresFinish ? 'yes' : 'no',
      plan.source.mode + (plan.source.entriesAvailable ? '' : ' (no changelog entries)'),
    ]],
  );
  return `## Kong ${plan.edition === 'enterprise' ? 'Enterprise' : 'OSS'} upgrade plan: ${plan.from} → ${plan.to}\n\n**Path:** ${path}  \n**Recommended strategy:** ${plan.strategy.recommended}: ${plan.strategy.reason}\n\n${counts}`;
}

function impactsSection(plan: UpgradePlan): string {
  const read = inspectedLines(plan.inspected);
  const readList = read.length > 0 ? `\n\nWhat the plan read:\n\n${bulletList(read)}` : '\n\nNothing of the deployment was given (kong.conf, kong-env, declarative files, Admin API, database, nginx template).';
  return impactsTable(plan.impacts) + readList;
}

function impactsTable(impacts: readonly PlanImpact[]): string {
  if (impacts.length === 0) return '### What hits this deployment\n\nNothing found in what was read.';
  const ordered = [...impacts].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const rows = ordered.map((impact) => [
    impact.severity === 'error' ? '❌ error' : '⚠️ warning',
    impact.title,
    impact.where ?? '',
    `${impact.detail} **Remedy:** ${impact.remedy}`,
  ]);
  return `### What hits this deployment (${impacts.length})\n\n${table(['Severity', 'Finding', 'Where', 'Detail'], rows)}`;
}

function notesSection(plan: UpgradePlan): string | undefined {
  if (plan.notes.length === 0) return undefined;
  const rows = plan.notes.map((note) => [note.version, note.title, note.summary, note.detectedBy ?? '—']);
  return `### Breaking changes operators must act on\n\n${table(['From', 'Change', 'What to do', 'Checked by'], rows)}`;
}

function entriesOf(releases: readonly Release[], kind: EntryKind): string[] {
  return releases.flatMap((release) =>
    release.entries.filter((entry) => entry.kind === kind).map((entry) => `**${release.version}** · ${entry.scope}: ${entry.text}`),
  );
}

function breakingSection(releases: readonly Release[]): string | undefined {
  const items = entriesOf(releases, 'breaking');
  if (items.length === 0) return undefined;
  return `### Breaking changes in the changelog (${items.length})\n\n${bulletList(items)}`;
}

function kindSection(releases: readonly Release[], kind: EntryKind): string | undefined {
  const items = entriesOf(releases, kind);
  if (items.length === 0) return undefined;
  return details(`${KIND_TITLES[kind]} (${items.length})`, bulletList(items));
}

function hopsSection(plan: UpgradePlan): string {
  const rows = plan.hops.map((hop, index) => [
    String(index + 1),
    `${hop.from} → ${hop.to}`,
    hop.reason,
    finishText(hop),
    hop.deckConvert === undefined ? '' : `\`${hop.deckConvert}\``,
  ]);
  return `### Hops\n\n${table(['#', 'Hop', 'Why', '`finish` has work', 'Declarative files'], rows)}`;
}

function strategySection(plan: UpgradePlan): string {
  const rows = plan.strategy.options.map((option) => [
    option.name + (option.name === plan.strategy.recommended ? ' (recommended)' : ''),
    option.supported ? 'yes' : 'no',
    option.reason,
  ]);
  return details('Strategies', table(['Strategy', 'Possible', 'Why'], rows));
}

function databaseSection(plan: UpgradePlan): string {
  const support = (s: UpgradePlan['database']['from']) =>
    [s.line, s.postgres.tested.join(', ') || 'unknown', s.postgres.minimum === undefined ? '' : String(s.postgres.minimum), s.cassandra ? 'yes' : 'no'];
  const body = `${table(['Line', 'PostgreSQL tested', 'Minimum', 'Cassandra'], [support(plan.database.from), support(plan.database.to)])}${
    plan.database.changes.length > 0 ? `\n\n${bulletList(plan.database.changes)}` : ''
  }`;
  return `### Database support\n\n${body}`;
}

function kongConfSection(plan: UpgradePlan): string {
  const conf = plan.kongConf;
  if (!conf.available) return `### kong.conf changes\n\nNot available: ${conf.reason}`;
  const rows = [
    ...conf.removed.map((p) => ['removed', p.name, p.default, '']),
    ...conf.defaultChanged.map((p) => ['default changed', p.name, p.from, p.to]),
    ...conf.added.map((p) => ['added', p.name, '', p.default]),
  ];
  const counts = `${conf.removed.length} removed, ${conf.defaultChanged.length} defaults changed, ${conf.added.length} added (kong.conf.default ${conf.fromTag} → ${conf.toTag})`;
  return `### kong.conf changes\n\n${counts}\n\n${details('Properties', table(['Change', 'Property', 'Before', 'After'], rows))}`;
}

function sourcesSection(plan: UpgradePlan): string {
  const rows = plan.source.files.map((file) => [
    file.what,
    file.url === undefined ? file.location : `[${file.location}](${file.url})`,
    file.via,
    file.ageDays === undefined ? '' : `${file.ageDays} days`,
  ]);
  const note = plan.source.entriesAvailable
    ? ''
    : '\n\nChangelog entries were not available offline: run online, give `changelog-file`, or keep `cache-dir` from an online run.';
  return `### Sources\n\nMode: ${plan.source.mode} (${plan.source.reason}).${note}\n\n${rows.length > 0 ? table(['What', 'File', 'Via', 'Age'], rows) : ''}`;
}
