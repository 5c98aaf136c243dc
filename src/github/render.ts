import type { DoctorReport, EnvironmentReport } from './doctor.js';

const ICON = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const;

function protectionCells(env: EnvironmentReport): string[] {
  if (env.protection === undefined) return ['not readable', '', '', ''];
  if (env.protection === null) return ['does not exist', '', '', ''];
  const p = env.protection;
  return [
    p.reviewers.length > 0 ? p.reviewers.join(', ') : 'none',
    p.reviewers.length > 0 ? (p.preventSelfReview ? 'prevented' : 'allowed') : '',
    p.waitTimerMinutes > 0 ? `${p.waitTimerMinutes} min` : 'none',
    p.branchPolicy,
  ];
}

function secretsCell(env: EnvironmentReport): string {
  if (env.secrets.missing === undefined) return `not listed (${env.secrets.needed.join(', ')})`;
  return env.secrets.missing.length === 0 ? `all present (${env.secrets.needed.join(', ')})` : `missing: ${env.secrets.missing.join(', ')}`;
}

/** The job summary: a verdict, the environments' protection in a table, then every finding. */
export function renderDoctorMarkdown(report: DoctorReport, repo: string): string {
  const lines = [
    `### Doctor: ${report.failed ? '❌ the run stops here' : 'environments checked'} (${repo}${report.repository ? `, ${report.repository.visibility}` : ''})`,
    '',
    '| Environment | Role | Required reviewers | Self-review | Wait timer | Deployment branches | Secrets |',
    '|---|---|---|---|---|---|---|',
    ...report.environments.map((env) => `| \`${env.name}\` | ${env.role} | ${protectionCells(env).join(' | ')} | ${secretsCell(env)} |`),
    '',
    ...report.findings.map((f) => `- ${ICON[f.level]} **${f.title}**: ${f.message}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** At a terminal: one line per environment, then the findings. */
export function renderDoctorText(report: DoctorReport, repo: string): string {
  const lines = [`${repo}${report.repository ? ` (${report.repository.visibility})` : ''}`];
  for (const env of report.environments) {
    const [reviewers, self, wait, branches] = protectionCells(env);
    lines.push(`  ${env.role.padEnd(14)}${env.name}: reviewers ${reviewers}${self ? ` (self-review ${self})` : ''}, wait timer ${wait}, branches ${branches}; secrets ${secretsCell(env)}`);
  }
  for (const f of report.findings) lines.push(`${f.level}: ${f.title}: ${f.message}`);
  lines.push(report.failed ? 'doctor: FAILED' : 'doctor: ok');
  return `${lines.join('\n')}\n`;
}
