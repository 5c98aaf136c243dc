import { inspectedLines } from '../plan-impacts.js';
import type { UpgradePlan } from '../plan-types.js';
import { ENTRY_KINDS } from '../types.js';

/** The plan for a terminal: the decisions and the risks, then counts; details are in --format json. */
export function renderPlanText(plan: UpgradePlan): string {
  const lines: string[] = [];
  const edition = plan.edition === 'enterprise' ? 'Enterprise' : 'OSS';
  lines.push(`Kong ${edition} upgrade plan: ${plan.from} -> ${plan.to} (${plan.deployment})`);
  lines.push('');
  lines.push(`Hops (${plan.hops.length}):`);
  plan.hops.forEach((hop, index) => {
    lines.push(`  ${index + 1}. ${hop.from} -> ${hop.to}: ${hop.reason}`);
    lines.push(`     finish has work: ${finishText(hop)}`);
    if (hop.deckConvert !== undefined) lines.push(`     declarative files: ${hop.deckConvert}`);
    for (const note of hop.notes) lines.push(`     note: ${note}`);
  });
  lines.push('');
  lines.push(`Recommended strategy: ${plan.strategy.recommended}: ${plan.strategy.reason}`);
  for (const option of plan.strategy.options.filter((o) => o.name !== plan.strategy.recommended)) {
    lines.push(`  ${option.name}: ${option.supported ? 'possible' : 'not possible'}: ${option.reason}`);
  }
  const read = inspectedLines(plan.inspected);
  if (read.length > 0) lines.push('', 'Read of this deployment:', ...read.map((line) => `  ${line}`));
  if (plan.impacts.length > 0) {
    lines.push('', `What hits this deployment (${plan.impacts.length}):`);
    for (const impact of plan.impacts) {
      lines.push(`  [${impact.severity}] ${impact.title}${impact.where === undefined ? '' : ` (${impact.where})`}`);
      lines.push(`      ${impact.detail}`, `      remedy: ${impact.remedy}`);
    }
  }
  if (plan.notes.length > 0) {
    lines.push('', 'Breaking changes to act on:');
    for (const note of plan.notes) lines.push(`  ${note.version}  ${note.title}: ${note.summary}`);
  }
  lines.push('', 'Database support:');
  for (const support of [plan.database.from, plan.database.to]) {
    lines.push(`  ${support.line}: PostgreSQL ${support.postgres.tested.join(', ') || 'unknown'}; Cassandra ${support.cassandra ? 'yes' : 'no'}`);
  }
  for (const change of plan.database.changes) lines.push(`  ${change}`);
  lines.push('');
  if (plan.kongConf.available) {
    const conf = plan.kongConf;
    lines.push(`kong.conf (${conf.fromTag} -> ${conf.toTag}): ${conf.removed.length} removed, ${conf.defaultChanged.length} defaults changed, ${conf.added.length} added`);
    if (conf.removed.length > 0) lines.push(`  removed: ${conf.removed.map((p) => p.name).join(', ')}`);
    for (const change of conf.defaultChanged) lines.push(`  default changed: ${change.name}: ${change.from || '(empty)'} -> ${change.to || '(empty)'}`);
  } else {
    lines.push(`kong.conf changes: not available (${plan.kongConf.reason})`);
  }
  lines.push('');
  const counts = ENTRY_KINDS.filter((kind) => plan.counts[kind] > 0).map((kind) => `${kind} ${plan.counts[kind]}`);
  lines.push(`Releases between: ${plan.releases.length}${counts.length > 0 ? `; entries: ${counts.join(', ')}` : ''}`);
  lines.push(`Source: ${plan.source.mode} (${plan.source.reason})${plan.source.entriesAvailable ? '' : '; changelog entries not available offline (use --changelog-file or run online)'}`);
  return lines.join('\n');
}

/** The teardown migrations that give `finish` work, or "assumed" where Kong's list is not known here. */
export function finishText(hop: UpgradePlan['hops'][number]): string {
  if (!hop.requiresFinish) return 'no';
  return hop.teardownMigrations.length > 0 ? `yes (${hop.teardownMigrations.join(', ')})` : 'yes (assumed: the teardown migrations of this hop are not known here)';
}
