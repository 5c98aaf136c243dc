/**
 * What GitHub's REST API says about a repository's deployment environments and secrets, read
 * with Octokit (GitHub docs, "REST API endpoints for deployment environments" and "for GitHub
 * Actions secrets"). Only names and protection rules are read: secret values never leave GitHub.
 */

/** A read that GitHub refused for lack of permission (403, or 404 on a private resource). */
export interface Denied {
  readonly denied: true;
  readonly status: number;
}

export interface EnvironmentProtection {
  readonly name: string;
  /** Required reviewers, as `user:login` or `team:slug`; empty when the rule is absent. */
  readonly reviewers: readonly string[];
  /** `prevent_self_review` of the required_reviewers rule. */
  readonly preventSelfReview: boolean;
  /** The wait_timer rule, in minutes; 0 when absent. */
  readonly waitTimerMinutes: number;
  /** deployment_branch_policy: null = any branch may deploy. */
  readonly branchPolicy: 'any branch' | 'protected branches' | 'selected branches';
}

export interface RepositoryFacts {
  readonly private: boolean;
  readonly visibility: string;
}

/** The reads the doctor needs; `undefined` = the environment does not exist (404). */
export interface GithubReads {
  repository(): Promise<RepositoryFacts | Denied>;
  environment(name: string): Promise<EnvironmentProtection | undefined | Denied>;
  environmentSecretNames(environment: string): Promise<readonly string[] | Denied>;
  repositorySecretNames(): Promise<readonly string[] | Denied>;
}

export function isDenied(value: unknown): value is Denied {
  return typeof value === 'object' && value !== null && (value as Denied).denied === true;
}

interface RawRule {
  readonly type?: string;
  readonly wait_timer?: number;
  readonly prevent_self_review?: boolean;
  readonly reviewers?: readonly { readonly type?: string; readonly reviewer?: { readonly login?: string; readonly slug?: string; readonly name?: string } }[];
}

interface RawEnvironment {
  readonly name: string;
  readonly protection_rules?: readonly RawRule[];
  readonly deployment_branch_policy?: { readonly protected_branches?: boolean; readonly custom_branch_policies?: boolean } | null;
}

/** An environment as "Get an environment" returns it, reduced to its protection. */
export function protectionOf(raw: RawEnvironment): EnvironmentProtection {
  const rules = raw.protection_rules ?? [];
  const reviewersRule = rules.find((rule) => rule.type === 'required_reviewers');
  const reviewers = (reviewersRule?.reviewers ?? []).map((entry) =>
    entry.type === 'Team' ? `team:${entry.reviewer?.slug ?? entry.reviewer?.name ?? '?'}` : `user:${entry.reviewer?.login ?? '?'}`,
  );
  const policy = raw.deployment_branch_policy;
  return {
    name: raw.name,
    reviewers,
    preventSelfReview: reviewersRule?.prevent_self_review === true,
    waitTimerMinutes: rules.find((rule) => rule.type === 'wait_timer')?.wait_timer ?? 0,
    branchPolicy: !policy ? 'any branch' : policy.protected_branches ? 'protected branches' : 'selected branches',
  };
}

export interface GithubReadsOptions {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  readonly baseUrl: string;
  readonly timeoutMs?: number;
}

/** The reads through Octokit; a 403 (or a 404 where GitHub hides a forbidden resource) is `Denied`. */
export async function createGithubReads(options: GithubReadsOptions): Promise<GithubReads> {
  const { Octokit } = await import('@octokit/rest');
  const octokit = new Octokit({
    auth: options.token || undefined,
    baseUrl: options.baseUrl,
    userAgent: 'kong-upgrade-actions',
    request: { timeout: options.timeoutMs ?? 15_000 },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const repo = { owner: options.owner, repo: options.repo };
  const denied = (error: unknown, notFoundIsDenied: boolean): Denied => {
    const status = (error as { status?: number }).status;
    if (status === 403 || status === 401 || (notFoundIsDenied && status === 404)) return { denied: true, status };
    throw error;
  };
  return {
    async repository() {
      try {
        const { data } = await octokit.rest.repos.get(repo);
        return { private: data.private, visibility: data.visibility ?? (data.private ? 'private' : 'public') };
      } catch (error) {
        return denied(error, true);
      }
    },
    async environment(name) {
      try {
        const { data } = await octokit.rest.repos.getEnvironment({ ...repo, environment_name: name });
        return protectionOf(data as RawEnvironment);
      } catch (error) {
        if ((error as { status?: number }).status === 404) return undefined;
        return denied(error, false);
      }
    },
    async environmentSecretNames(environment) {
      try {
        const names: string[] = [];
        for (let page = 1; ; page++) {
          const { data } = await octokit.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets', {
            ...repo, environment_name: environment, per_page: 100, page,
          });
          names.push(...data.secrets.map((secret) => secret.name));
          if (data.secrets.length < 100) return names;
        }
      } catch (error) {
        return denied(error, true);
      }
    },
    async repositorySecretNames() {
      try {
        const names: string[] = [];
        for (let page = 1; ; page++) {
          const { data } = await octokit.rest.actions.listRepoSecrets({ ...repo, per_page: 100, page });
          names.push(...data.secrets.map((secret) => secret.name));
          if (data.secrets.length < 100) return names;
        }
      } catch (error) {
        return denied(error, true);
      }
    },
  };
}
