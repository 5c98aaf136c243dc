import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runDoctor, type DoctorRequest } from '../github/doctor.js';
import { createGithubReads } from '../github/environments.js';
import { renderDoctorMarkdown, renderDoctorText } from '../github/render.js';
import { errorMessage, inputError } from '../lib/errors.js';

export const DOCTOR_USAGE = `doctor: the environments a run uses, read through GitHub's REST API
  --repo OWNER/NAME        the repository whose workflows call kong-upgrade.yml
  --production NAME, --preproduction NAME, --readonly NAME
                           environment names (default production, preproduction, production-readonly)
  --approval-gate G        environment (production's required reviewers) | issue
  --allow-unreviewed-production true|false
  --strategy S             dual-cluster also needs KONG_GREEN_DATABASE_URL
  --deployment D           traditional | hybrid | db-less (KONG_ADMIN_TOKEN only) | konnect (KONNECT_TOKEN only)
  --github-api-url U       default $GITHUB_API_URL or https://api.github.com
  --format F               text | markdown | github (annotations and the job summary)
  the token: $GH_TOKEN or $GITHUB_TOKEN (never a flag)`;

const GATES = ['environment', 'issue'] as const;
const DEPLOYMENTS = ['traditional', 'hybrid', 'db-less', 'konnect'] as const;
const DOCTOR_FORMATS = ['text', 'markdown', 'github'] as const;

export async function doctor(args: readonly string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      options: Object.fromEntries(
        ['repo', 'production', 'preproduction', 'readonly', 'approval-gate', 'allow-unreviewed-production', 'strategy', 'deployment', 'github-api-url', 'format'].map((n) => [n, { type: 'string' as const }]),
      ),
    });
    const text = (name: string, fallback: string) => (typeof values[name] === 'string' && values[name] !== '' ? String(values[name]) : fallback);
    const repo = text('repo', '');
    const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(repo);
    if (!match) throw inputError('repo', `"${repo}" is not OWNER/NAME`);
    const gate = text('approval-gate', 'environment');
    if (!(GATES as readonly string[]).includes(gate)) throw inputError('approval-gate', `"${gate}" is not one of ${GATES.join(', ')}`);
    const allow = text('allow-unreviewed-production', 'false');
    if (allow !== 'true' && allow !== 'false') throw inputError('allow-unreviewed-production', `"${allow}" is not true or false`);
    const deployment = text('deployment', 'traditional');
    if (!(DEPLOYMENTS as readonly string[]).includes(deployment)) throw inputError('deployment', `"${deployment}" is not one of ${DEPLOYMENTS.join(', ')}`);
    const format = text('format', 'text');
    if (!(DOCTOR_FORMATS as readonly string[]).includes(format)) throw inputError('format', `"${format}" is not one of ${DOCTOR_FORMATS.join(', ')}`);
    const request: DoctorRequest = {
      environments: { production: text('production', 'production'), preproduction: text('preproduction', 'preproduction'), readonly: text('readonly', 'production-readonly') },
      approvalGate: gate as DoctorRequest['approvalGate'],
      allowUnreviewedProduction: allow === 'true',
      strategy: text('strategy', 'auto'),
      deployment: deployment as DoctorRequest['deployment'],
    };
    const reads = await createGithubReads({
      owner: match[1]!, repo: match[2]!,
      token: process.env.GH_TOKEN || process.env.GITHUB_TOKEN || '',
      baseUrl: text('github-api-url', process.env.GITHUB_API_URL || 'https://api.github.com'),
    });
    const report = await runDoctor(reads, request);
    if (format === 'github') {
      for (const f of report.findings) process.stdout.write(`::${f.level} title=${f.title.replace(/[:,\r\n]/g, ' ')}::${f.message.replace(/\r?\n/g, ' ')}\n`);
      process.stdout.write(renderDoctorText(report, repo));
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, renderDoctorMarkdown(report, repo));
    } else {
      process.stdout.write(format === 'markdown' ? renderDoctorMarkdown(report, repo) : renderDoctorText(report, repo));
    }
    return report.failed ? 1 : 0;
  } catch (error) {
    process.stderr.write(`kong-upgrade: ${errorMessage(error)}\n`);
    return 1;
  }
}
