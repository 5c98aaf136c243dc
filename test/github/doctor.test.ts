// The doctor against the fake GitHub API server, with responses in the shapes of GitHub's REST
// docs: an unprotected production fails naming the environment, a protected one passes, a 403
// warns naming the permission to grant, the opt-out and the issue gate are reported, a private
// repository without reviewers is told about GitHub Enterprise, missing secrets are named.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor, type DoctorRequest } from '../../src/github/doctor.js';
import { createGithubReads } from '../../src/github/environments.js';
import { renderDoctorMarkdown } from '../../src/github/render.js';
import { startFakeGithub, type FakeGithub } from '../helpers/fake-github.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { githubApi, protectedRepository, type RepositorySpec } from './github-api.js';

const execFileAsync = promisify(execFile);
const REQUEST: DoctorRequest = {
  environments: { production: 'production', preproduction: 'preproduction', readonly: 'production-readonly' },
  approvalGate: 'environment',
  allowUnreviewedProduction: false,
  strategy: 'auto',
  deployment: 'traditional',
};

let server: FakeGithub | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function doctor(spec: RepositorySpec, request: Partial<DoctorRequest> = {}) {
  server = await startFakeGithub({}, githubApi(spec));
  const reads = await createGithubReads({ owner: spec.owner, repo: spec.repo, token: 'ghs_test', baseUrl: server.url });
  return runDoctor(reads, { ...REQUEST, ...request });
}

function unprotected(extra: Partial<RepositorySpec> = {}): RepositorySpec {
  const spec = protectedRepository();
  return { ...spec, environments: { ...spec.environments, production: { secrets: ['KONG_DATABASE_URL', 'KONG_ADMIN_TOKEN', 'BACKUP_PASSPHRASE'] } }, ...extra };
}

describe('doctor', () => {
  it('passes a protected production: reviewers, self-review prevented, wait timer, protected branches, every secret', async () => {
    const report = await doctor(protectedRepository());
    expect(report.failed).toBe(false);
    expect(report.findings).toEqual([]);
    const production = report.environments.find((e) => e.role === 'production')!;
    expect(production.protection).toEqual({ name: 'production', reviewers: ['user:alice', 'team:platform'], preventSelfReview: true, waitTimerMinutes: 5, branchPolicy: 'protected branches' });
    expect(production.secrets.missing).toEqual([]);
    expect(server!.requests).toContain('/repos/example/kong-ops/environments/production');
  });

  it('fails an unprotected production, naming the environment and the ways out', async () => {
    const report = await doctor(unprotected());
    expect(report.failed).toBe(true);
    const error = report.findings.find((f) => f.level === 'error')!;
    expect(error.message).toMatch(/^environment 'production' has no required reviewers/);
    expect(error.message).toMatch(/approval-gate: issue/);
    expect(error.message).toMatch(/allow-unreviewed-production: true/);
    // The same for an environment of another name (one per cluster).
    const named = await doctor({ ...unprotected(), environments: { ...unprotected().environments, 'production-eu': { secrets: [] } } }, { environments: { ...REQUEST.environments, production: 'production-eu' } });
    expect(named.findings.filter((f) => f.level === 'error').map((f) => f.message).join('\n')).toMatch(/environment 'production-eu' has no required reviewers/);
  });

  it('the opt-out turns the failure into a warning that the summary shows', async () => {
    const report = await doctor(unprotected(), { allowUnreviewedProduction: true });
    expect(report.failed).toBe(false);
    expect(report.findings).toEqual([expect.objectContaining({ level: 'warning', title: 'production: unreviewed' }), expect.objectContaining({ title: 'production: branches' })]);
    expect(renderDoctorMarkdown(report, 'example/kong-ops')).toMatch(/⚠️ \*\*production: unreviewed\*\*: environment 'production' has no required reviewers: production changes without an approval \(allow-unreviewed-production\)/);
  });

  it('a private repository without reviewers is told that they need GitHub Enterprise, and offered the issue gate', async () => {
    const report = await doctor(unprotected({ private: true }));
    expect(report.findings.find((f) => f.level === 'error')!.message).toMatch(/need GitHub Enterprise.*set approval-gate: issue/);
    const gated = await doctor(unprotected({ private: true }), { approvalGate: 'issue' });
    expect(gated.failed).toBe(false);
    expect(gated.findings[0]).toMatchObject({ level: 'notice', message: expect.stringMatching(/approved through the approval issue/) });
  });

  it('a token that may not read environments warns naming the permission, never passes silently', async () => {
    const spec = protectedRepository();
    const report = await doctor({ ...spec, environments: { 'production-readonly': 'forbidden', preproduction: 'forbidden', production: 'forbidden' } });
    expect(report.failed).toBe(false);
    const warning = report.findings.find((f) => f.title === 'environments not read')!;
    expect(warning.level).toBe('warning');
    expect(warning.message).toMatch(/production's required reviewers are NOT verified; grant 'actions: read'/);
    expect(renderDoctorMarkdown(report, 'example/kong-ops')).toMatch(/\| `production` \| production \| not readable \|/);
  });

  it('names missing secrets per environment; a token that may not list secrets warns naming the permission', async () => {
    const spec = protectedRepository();
    const missing = await doctor({ ...spec, environments: { ...spec.environments, preproduction: { secrets: ['KONG_DATABASE_URL'] } }, repositorySecrets: ['BACKUP_PASSPHRASE'] });
    expect(missing.failed).toBe(true);
    expect(missing.findings).toEqual([expect.objectContaining({ level: 'error', message: expect.stringMatching(/^environment 'preproduction' lacks the secret\(s\) KONG_ADMIN_TOKEN \(neither/) })]);
    // dual-cluster also needs green's database in preproduction and production.
    const dual = await doctor({ ...spec, environments: { ...spec.environments, production: { ...(spec.environments.production as object), secrets: ['KONG_DATABASE_URL', 'KONG_ADMIN_TOKEN', 'BACKUP_PASSPHRASE'] } } }, { strategy: 'dual-cluster' });
    expect(dual.findings.map((f) => f.message).join('\n')).toMatch(/'production' lacks the secret\(s\) KONG_GREEN_DATABASE_URL/);
    // DB-less nodes have no database: only the Admin API token; Konnect data planes need Konnect's token.
    const dbless = await doctor({ ...spec, environments: Object.fromEntries(Object.entries(spec.environments).map(([k, v]) => [k, { ...(v as object), secrets: ['KONG_ADMIN_TOKEN'] }])) }, { deployment: 'db-less' });
    expect(dbless.findings).toEqual([]);
    expect(dbless.environments.map((e) => e.secrets.needed)).toEqual([['KONG_ADMIN_TOKEN'], ['KONG_ADMIN_TOKEN'], ['KONG_ADMIN_TOKEN']]);
    const konnect = await doctor(spec, { deployment: 'konnect' });
    expect(konnect.findings.map((f) => f.message).join('\n')).toMatch(/'production' lacks the secret\(s\) KONNECT_TOKEN/);
    const denied = await doctor({ ...spec, repositorySecrets: 'forbidden', environments: Object.fromEntries(Object.entries(spec.environments).map(([k, v]) => [k, { ...(v as object), secrets: 'forbidden' as const }])) });
    expect(denied.failed).toBe(false);
    expect(denied.findings).toEqual([expect.objectContaining({ level: 'warning', message: expect.stringMatching(/'Secrets' repository permission \(read\).*GITHUB_TOKEN can never list secrets/) })]);
  });

  it('a production environment that does not exist fails: GitHub would create it unprotected', async () => {
    const spec = protectedRepository();
    const { production: _gone, ...rest } = spec.environments;
    const report = await doctor({ ...spec, environments: rest });
    expect(report.failed).toBe(true);
    expect(report.findings[0]!.message).toMatch(/environment 'production' \(production-environment\) does not exist: GitHub would create it on first use with no protection rule/);
  });
});

describe('kong-upgrade doctor (the bundled CLI)', () => {
  it('exit 1 and the environment named for an unprotected production; annotations and the job summary with --format github', async () => {
    server = await startFakeGithub({}, githubApi(unprotected()));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'doctor-cli-'));
    try {
      const summary = path.join(dir, 'summary.md');
      writeFileSync(summary, '');
      const run = (...args: string[]) =>
        execFileAsync(process.execPath, [path.join(REPO_ROOT, 'bin/kong-upgrade.js'), 'doctor', '--repo', 'example/kong-ops', ...args], {
          env: { PATH: process.env.PATH ?? '', GH_TOKEN: 'ghs_test', GITHUB_API_URL: server!.url, GITHUB_STEP_SUMMARY: summary },
        }).then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
      const failed = await run('--format', 'github');
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/^::error title=production  no required reviewers::environment 'production' has no required reviewers/m);
      expect(readFileSync(summary, 'utf8')).toMatch(/### Doctor: ❌ the run stops here/);
      const allowed = await run('--format', 'github', '--allow-unreviewed-production', 'true');
      expect(allowed.code).toBe(0);
      expect(allowed.stdout).toMatch(/^::warning title=production  unreviewed::/m);
      const bad = await run('--approval-gate', 'maybe');
      expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/input 'approval-gate': "maybe" is not one of environment, issue/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
