import { createAdminClient } from '../kong/admin-api.js';
import { errorMessage } from '../lib/errors.js';
import { bulletList, fitToLimit, table } from '../lib/markdown.js';
import type { AdminApiTarget } from '../kong/admin-api.js';
import type { PromoteResult } from './strategy.js';

export const STEPS_SCHEMA = 'kong-upgrade/promote-steps@1';

/** The `steps-json` output: every step with its weight, timings, measurements and decision. */
export function stepsJson(result: PromoteResult, backend: string): string {
  return JSON.stringify({
    schema: STEPS_SCHEMA,
    backend,
    outcome: result.outcome,
    live: result.live,
    finalWeight: result.finalWeight,
    reason: result.reason,
    initial: result.initial,
    lastGateToGreenMs: result.lastGateToGreenMs === undefined ? null : Math.round(result.lastGateToGreenMs),
    revertMs: result.revertMs === undefined ? null : Math.round(result.revertMs),
    plan: result.plan,
    steps: result.steps.map((s) => ({ ...s, durationMs: Math.round(s.durationMs) })),
  });
}

/** Plugins whose state a dual-cluster move loses by design (Kong's dual-cluster upgrade guide: the new cluster starts from the backup). */
export interface LossNotes {
  readonly topology: 'dual-cluster' | 'shared-database';
  readonly affected: string[];
  readonly lookup: string;
}

const COUNTER_PLUGINS = ['rate-limiting', 'rate-limiting-advanced', 'response-ratelimiting', 'graphql-rate-limiting-advanced'];

export async function lossNotes(topology: LossNotes['topology'], admin: AdminApiTarget | undefined): Promise<LossNotes> {
  if (topology === 'shared-database' || admin === undefined) return { topology, affected: [], lookup: admin === undefined ? 'no Admin API given to list the plugins in use' : '' };
  try {
    const plugins = await createAdminClient(admin, 10_000).listAll<{ name: string; config?: { policy?: string; strategy?: string }; service?: { id: string } | null; route?: { id: string } | null }>('/plugins');
    const affected = plugins
      .filter((p) => COUNTER_PLUGINS.includes(p.name) && (p.config?.policy === 'cluster' || p.config?.strategy === 'cluster'))
      .map((p) => `${p.name} (${p.service ? `service ${p.service.id}` : p.route ? `route ${p.route.id}` : 'global'}, policy cluster)`);
    return { topology, affected, lookup: `${plugins.length} plugin(s) read from ${admin.url}` };
  } catch (error) {
    return { topology, affected: [], lookup: `could not list plugins at ${admin.url}: ${errorMessage(error)}` };
  }
}

export function renderLossNotes(notes: LossNotes): string {
  if (notes.topology === 'shared-database') {
    return '> Blue and green share one database: rate-limiting counters and all configuration carry over; nothing is lost by the switch.';
  }
  return [
    '> **Dual-cluster move: what does not carry over (by design).** Green runs on a copy of the database restored from the backup:',
    '> - rate-limiting counters kept in the database (`policy: cluster`) start on green from the copy\'s values, so limits can be exceeded for one window after the switch;',
    '> - Admin API changes made on blue after the backup are not on green;',
    '> - Enterprise Vitals has a gap for the switch window.',
    notes.affected.length > 0 ? `>\n> Affected plugins in use: ${notes.affected.join('; ')}.` : `>\n> No rate-limiting plugin with policy cluster found (${notes.lookup}).`,
  ].join('\n');
}

const ICON = { passed: '✅ passed', failed: '❌ failed', inconclusive: '⚠️ inconclusive', reverted: '↩️ reverted', cancelled: '⏹ cancelled', planned: '… planned', error: '❌ error' } as const;

export function renderPromoteMarkdown(result: PromoteResult, backend: string, notes: LossNotes | undefined, limitBytes: number): string {
  const title = {
    promoted: '✅ green is live',
    'already-green': '✅ green was already live',
    reverted: '↩️ reverted to blue',
    failed: '❌ failed, blue is live',
    held: '⚠️ held at a partial split',
    'dry-run': '📝 dry run',
    status: 'ℹ️ status',
  }[result.outcome];
  const sections = [
    `## Kong promote: ${title}`,
    `${backend} · live **${result.live}** · green weight **${result.finalWeight < 0 ? 'unknown' : `${result.finalWeight}%`}**${result.lastGateToGreenMs === undefined ? '' : ` · last gate → 100% green ${Math.round(result.lastGateToGreenMs)} ms`}${result.revertMs === undefined ? '' : ` · revert ${Math.round(result.revertMs)} ms`}`,
    result.reason,
  ];
  if (notes !== undefined) sections.push(renderLossNotes(notes));
  if (result.plan.length > 0) {
    sections.push(['### Steps (dry run: nothing changed)', '', table(['green', 'change'], result.plan.map((p) => [`${p.green}%`, p.change.replace(/\n/g, ' · ')]))].join('\n'));
  }
  if (result.steps.length > 0) {
    const rows = result.steps.map((s) => {
      const figures = s.measurements.flatMap((m, i) => m.figures.map((f) => `#${i + 1} ${f.name} ${f.status}: ${f.measured} (${f.threshold})`));
      const counts = ['pass', 'fail', 'inconclusive'].map((status) => s.measurements.filter((m) => m.status === status).length);
      return [
        `${s.green}%`,
        `${s.applyMs} ms`,
        `${counts[0]} pass / ${counts[1]} fail / ${counts[2]} inconclusive`,
        figures.slice(-3).join('<br>') || '-',
        ICON[s.decision],
        s.reason,
      ];
    });
    sections.push(['### Steps', '', table(['green', 'apply', 'measurements', 'gate figures (last 3) vs thresholds', 'decision', 'why'], rows)].join('\n'));
  }
  const steps = result.steps.flatMap((s) => s.actions.map((a) => `${s.green}%: ${a}`));
  if (steps.length > 0) sections.push(['<details><summary>Backend actions</summary>', '', bulletList(steps), '', '</details>'].join('\n'));
  return fitToLimit(sections, limitBytes, '_Summary cut to fit the runner limit; every step is in steps-json._');
}
