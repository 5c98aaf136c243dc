import type { DatabaseIdentity } from '../database/manifest.js';

/**
 * "Preproduction is not production", proven before a rehearsal changes anything: with secrets
 * or variables at repository level, the preproduction job would otherwise stop and restore
 * production. A database is the same when its cluster (system_identifier, or host and port when
 * the identifier is unreadable) and its name are the same; an Admin or proxy URL when it is the
 * same URL once normalised.
 */
export interface TargetIdentity {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly systemIdentifier: string | null;
}

export interface TargetCheck {
  readonly production: { readonly database: DatabaseIdentity; readonly adminUrl: string; readonly proxyUrl: string };
  readonly rehearsal: { readonly database: TargetIdentity; readonly adminUrl: string; readonly proxyUrl: string };
}

function describe(db: TargetIdentity): string {
  return `database ${db.database} on ${db.host}:${db.port}${db.systemIdentifier ? ` (cluster ${db.systemIdentifier})` : ''}`;
}

function sameDatabase(a: TargetIdentity, b: TargetIdentity): boolean {
  if (a.database !== b.database) return false;
  if (a.systemIdentifier && b.systemIdentifier) return a.systemIdentifier === b.systemIdentifier;
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

/** A URL without its trailing slash and with a lower-case origin; '' stays ''. */
function normalise(url: string): string {
  if (url === '') return '';
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return url.trim();
  }
}

/** Each way the rehearsal's targets are production's, naming both sides; empty when they differ. */
export function targetClashes(check: TargetCheck): string[] {
  const clashes: string[] = [];
  const { production, rehearsal } = check;
  if (sameDatabase(production.database, rehearsal.database)) {
    clashes.push(`the preproduction ${describe(rehearsal.database)} is production's ${describe(production.database)}`);
  }
  for (const [what, prod, pre] of [['Admin API', production.adminUrl, rehearsal.adminUrl], ['proxy', production.proxyUrl, rehearsal.proxyUrl]] as const) {
    if (pre !== '' && normalise(pre) === normalise(prod)) clashes.push(`the preproduction ${what} ${pre} is production's ${what} ${prod}`);
  }
  return clashes;
}
