import { isDenied, type Denied, type EnvironmentProtection, type GithubReads, type RepositoryFacts } from './environments.js';

/**
 * The setup check behind "required approvals on production": each environment the run uses,
 * read through the REST API, its protection rules reported, and the secrets the run needs named
 * where the token may list them. Production without required reviewers is an error unless the
 * caller opted out (then a warning) or approves through the issue gate.
 */

export type Level = 'error' | 'warning' | 'notice';

export interface Finding {
  readonly level: Level;
  readonly title: string;
  readonly message: string;
}

export type Role = 'production' | 'preproduction' | 'readonly';

export interface DoctorRequest {
  readonly environments: Readonly<Record<Role, string>>;
  readonly approvalGate: 'environment' | 'issue';
  readonly allowUnreviewedProduction: boolean;
  /** The strategy asked for; `auto` cannot know yet whether green's database is needed. */
  readonly strategy: string;
  /** traditional and hybrid have a database; db-less none; konnect's control plane is Konnect's. */
  readonly deployment: 'traditional' | 'hybrid' | 'db-less' | 'konnect';
}

export interface EnvironmentReport {
  readonly role: Role;
  readonly name: string;
  /** undefined: not read (denied); null: it does not exist. */
  readonly protection: EnvironmentProtection | null | undefined;
  readonly secrets: { readonly needed: readonly string[]; readonly missing: readonly string[] | undefined };
}

export interface DoctorReport {
  readonly repository: RepositoryFacts | undefined;
  readonly environments: readonly EnvironmentReport[];
  readonly findings: readonly Finding[];
  readonly failed: boolean;
}

/** The permission a token needs for each read (GitHub docs, the endpoints' fine-grained token sections). */
export const PERMISSIONS = {
  environments:
    "'actions: read' for GITHUB_TOKEN (the calling workflow's permissions:), or a fine-grained token with the 'Actions' repository permission (read) in the DOCTOR_TOKEN secret",
  secrets:
    "a fine-grained token with the 'Secrets' repository permission (read) in the DOCTOR_TOKEN secret (GITHUB_TOKEN can never list secrets)",
} as const;

const ROLES: readonly Role[] = ['readonly', 'preproduction', 'production'];

/** The secrets each environment's jobs read (kong-upgrade.yml), by name. */
export function neededSecrets(role: Role, strategy: string, deployment: DoctorRequest['deployment'] = 'traditional'): string[] {
  // DB-less nodes and Konnect data planes have no database to back up or migrate.
  if (deployment === 'db-less') return ['KONG_ADMIN_TOKEN'];
  if (deployment === 'konnect') return ['KONNECT_TOKEN'];
  const common = ['KONG_DATABASE_URL', 'KONG_ADMIN_TOKEN', 'BACKUP_PASSPHRASE'];
  return role !== 'readonly' && strategy === 'dual-cluster' ? [...common, 'KONG_GREEN_DATABASE_URL'] : common;
}

export async function runDoctor(reads: GithubReads, request: DoctorRequest): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const repository = await reads.repository();
  if (isDenied(repository)) findings.push({ level: 'warning', title: 'repository', message: `the token may not read the repository (HTTP ${repository.status}); grant 'contents: read'` });
  const repositorySecrets = await reads.repositorySecretNames();
  const environments: EnvironmentReport[] = [];
  let secretsDenied = isDenied(repositorySecrets);
  let environmentsDenied = false;

  for (const role of ROLES) {
    const name = request.environments[role];
    const found = await reads.environment(name);
    const needed = neededSecrets(role, request.strategy, request.deployment);
    if (isDenied(found)) {
      environmentsDenied = true;
      environments.push({ role, name, protection: undefined, secrets: { needed, missing: undefined } });
      continue;
    }
    if (found === undefined) {
      findings.push({
        level: role === 'production' ? 'error' : 'warning',
        title: `environment ${name}`,
        message: `environment '${name}' (${role}-environment) does not exist: GitHub would create it on first use with no protection rule and no secret; create it under Settings → Environments`,
      });
      environments.push({ role, name, protection: null, secrets: { needed, missing: needed } });
      continue;
    }
    const own = await reads.environmentSecretNames(name);
    let missing: string[] | undefined;
    if (isDenied(own)) secretsDenied = true;
    else missing = needed.filter((secret) => !own.includes(secret) && (isDenied(repositorySecrets) || !repositorySecrets.includes(secret)));
    if (missing && missing.length > 0) {
      findings.push({
        level: 'error',
        title: `secrets of ${name}`,
        message: `environment '${name}' lacks the secret(s) ${missing.join(', ')}${isDenied(repositorySecrets) ? '' : ' (neither an environment nor a repository secret)'}; an organization secret of that name would also do`,
      });
    }
    environments.push({ role, name, protection: found, secrets: { needed, missing } });
    if (role === 'production') findings.push(...productionFindings(found, request, repository));
  }

  if (environmentsDenied) {
    findings.push({
      level: 'warning',
      title: 'environments not read',
      message: `the token may not read environments, so production's required reviewers are NOT verified; grant ${PERMISSIONS.environments}`,
    });
  }
  if (secretsDenied) {
    findings.push({ level: 'warning', title: 'secrets not listed', message: `secret names not checked: grant ${PERMISSIONS.secrets}` });
  }
  return { repository: isDenied(repository) ? undefined : repository, environments, findings, failed: findings.some((f) => f.level === 'error') };
}

function productionFindings(protection: EnvironmentProtection, request: DoctorRequest, repository: RepositoryFacts | Denied): Finding[] {
  const findings: Finding[] = [];
  const name = protection.name;
  if (protection.reviewers.length === 0) {
    const enterprise = !isDenied(repository) && repository.private
      ? ' Required reviewers on a private or internal repository need GitHub Enterprise (GitHub docs, "Managing environments for deployment"): set approval-gate: issue, an approval issue that works on every plan.'
      : '';
    if (request.approvalGate === 'issue') {
      findings.push({ level: 'notice', title: `${name}: approval issue`, message: `environment '${name}' has no required reviewers; production is approved through the approval issue (approval-gate: issue).` });
    } else if (request.allowUnreviewedProduction) {
      findings.push({ level: 'warning', title: `${name}: unreviewed`, message: `environment '${name}' has no required reviewers: production changes without an approval (allow-unreviewed-production).${enterprise}` });
    } else {
      findings.push({
        level: 'error',
        title: `${name}: no required reviewers`,
        message: `environment '${name}' has no required reviewers, so production would change without an approval: add required reviewers (Settings → Environments → ${name}), or set approval-gate: issue, or allow-unreviewed-production: true to accept it.${enterprise}`,
      });
    }
  } else if (!protection.preventSelfReview) {
    findings.push({ level: 'warning', title: `${name}: self-review`, message: `environment '${name}' lets whoever starts the run approve it: turn on "Prevent self-review"` });
  }
  if (protection.branchPolicy === 'any branch') {
    findings.push({ level: 'warning', title: `${name}: branches`, message: `any branch may deploy to '${name}': restrict its deployment branches to protected or selected branches` });
  }
  return findings;
}
