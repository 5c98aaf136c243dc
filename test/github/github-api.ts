// GitHub REST responses in the shapes of GitHub's REST docs ("Get a repository", "Get an
// environment", "List environment secrets", "List repository secrets", and the 403/404 bodies),
// trimmed to the fields that matter, for the fake API server (test/helpers/fake-github.ts).
import type { ApiResponse } from '../helpers/fake-github.js';

export interface EnvironmentSpec {
  readonly reviewers?: readonly ({ user: string } | { team: string })[];
  readonly preventSelfReview?: boolean;
  readonly waitTimer?: number;
  /** null: any branch; else GitHub's deployment_branch_policy object. */
  readonly branchPolicy?: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  /** Environment secret names; 'forbidden' answers 403. */
  readonly secrets?: readonly string[] | 'forbidden';
}

export interface RepositorySpec {
  readonly owner: string;
  readonly repo: string;
  readonly private?: boolean;
  /** environment name → spec; 'forbidden' answers 403 for that environment. */
  readonly environments: Readonly<Record<string, EnvironmentSpec | 'forbidden'>>;
  readonly repositorySecrets?: readonly string[] | 'forbidden';
}

const FORBIDDEN: ApiResponse = {
  status: 403,
  body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/deployments/environments#get-an-environment', status: '403' },
};

function secretsBody(names: readonly string[]) {
  return { total_count: names.length, secrets: names.map((name) => ({ name, created_at: '2026-08-10T14:59:22Z', updated_at: '2026-09-10T14:59:22Z' })) };
}

function environmentBody(owner: string, repo: string, name: string, spec: EnvironmentSpec, id: number) {
  const rules: object[] = [];
  if (spec.waitTimer) rules.push({ id: id * 10 + 1, node_id: 'MDQ6R2F0ZTM3MzY=', type: 'wait_timer', wait_timer: spec.waitTimer });
  if (spec.reviewers && spec.reviewers.length > 0) {
    rules.push({
      id: id * 10 + 2,
      node_id: 'MDQ6R2F0ZTM3NTU=',
      prevent_self_review: spec.preventSelfReview ?? false,
      type: 'required_reviewers',
      reviewers: spec.reviewers.map((r, i) =>
        'user' in r
          ? { type: 'User', reviewer: { login: r.user, id: 100 + i, node_id: 'MDQ6VXNlcjE=', type: 'User', site_admin: false } }
          : { type: 'Team', reviewer: { id: 200 + i, node_id: 'MDQ6VGVhbTE=', name: r.team, slug: r.team, privacy: 'closed', permission: 'admin' } },
      ),
    });
  }
  if (spec.branchPolicy) rules.push({ id: id * 10 + 3, node_id: 'MDQ6R2F0ZTM3NTY=', type: 'branch_policy' });
  return {
    id,
    node_id: 'MDExOkVudmlyb25tZW50MTYxMDg4MDY4',
    name,
    url: `https://api.github.com/repos/${owner}/${repo}/environments/${name}`,
    html_url: `https://github.com/${owner}/${repo}/deployments/activity_log?environments_filter=${name}`,
    created_at: '2026-11-23T22:00:40Z',
    updated_at: '2026-11-23T22:00:40Z',
    protection_rules: rules,
    deployment_branch_policy: spec.branchPolicy ?? null,
  };
}

/** The fake server's `api` table for one repository. */
export function githubApi(spec: RepositorySpec): Record<string, ApiResponse> {
  const base = `/repos/${spec.owner}/${spec.repo}`;
  const api: Record<string, ApiResponse> = {
    [`GET ${base}`]: {
      status: 200,
      body: { id: 1296269, name: spec.repo, full_name: `${spec.owner}/${spec.repo}`, private: spec.private ?? false, visibility: spec.private ? 'private' : 'public', owner: { login: spec.owner } },
    },
    [`GET ${base}/actions/secrets`]: spec.repositorySecrets === 'forbidden' ? FORBIDDEN : { status: 200, body: secretsBody(spec.repositorySecrets ?? []) },
  };
  let id = 161088068;
  for (const [name, env] of Object.entries(spec.environments)) {
    const path = `${base}/environments/${encodeURIComponent(name)}`;
    if (env === 'forbidden') {
      api[`GET ${path}`] = FORBIDDEN;
      api[`GET ${path}/secrets`] = FORBIDDEN;
      continue;
    }
    api[`GET ${path}`] = { status: 200, body: environmentBody(spec.owner, spec.repo, name, env, id++) };
    api[`GET ${path}/secrets`] = env.secrets === 'forbidden' ? FORBIDDEN : { status: 200, body: secretsBody(env.secrets ?? []) };
  }
  return api;
}

/** The three environments of the quick start, production with two required reviewers and every secret. */
export function protectedRepository(owner = 'example', repo = 'kong-ops'): RepositorySpec {
  const secrets = ['KONG_DATABASE_URL', 'KONG_GREEN_DATABASE_URL', 'KONG_ADMIN_TOKEN', 'BACKUP_PASSPHRASE'];
  return {
    owner,
    repo,
    environments: {
      'production-readonly': { secrets },
      preproduction: { secrets },
      production: { reviewers: [{ user: 'alice' }, { team: 'platform' }], preventSelfReview: true, waitTimer: 5, branchPolicy: { protected_branches: true, custom_branch_policies: false }, secrets },
    },
  };
}
