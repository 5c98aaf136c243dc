import { formatKongVersion } from '../../version/kong-version.js';
import type { Impact, ImpactRule } from './types.js';

/**
 * The database server against what the target supports: below the minimum it runs on at all is
 * an error, outside the tested list (below it too) a warning (facts
 * upgrade-paths-helm-operator-deck.md §2.1: tested lists per line, `postgres: "9.5+"` as the
 * runtime minimum, and "warn (don't fail) below the minimum of the tested range").
 */
export const postgresVersion: ImpactRule = {
  id: 'postgres-version',
  check(context) {
    const postgres = context.postgres;
    if (!postgres) return [];
    const { tested, min } = postgres.supported;
    const target = formatKongVersion(context.to);
    const server = serverNumber(postgres.serverVersion);
    const finding = (severity: Impact['severity'], title: string, detail: string, remedy: string): Impact[] => [
      { rule: 'postgres-version', severity, title, detail, where: 'database', remedy },
    ];
    if (server === undefined) {
      return finding(
        'warning',
        'PostgreSQL server version not understood',
        `"${postgres.serverVersion}" does not start with a version number, so support by Kong ${target} was not checked.`,
        'Check the server version against the support table by hand.',
      );
    }
    const testedList = [...tested].sort((a, b) => a - b).join(', ');
    if (server < min) {
      return finding(
        'error',
        `PostgreSQL ${server} is older than Kong ${target} supports`,
        `Kong ${target} needs PostgreSQL ${min} or newer; tested: ${testedList}.`,
        `Upgrade PostgreSQL to a tested version (${testedList}) before upgrading Kong.`,
      );
    }
    if (!tested.includes(server)) {
      return finding(
        'warning',
        server < Math.min(...tested) ? `PostgreSQL ${server} is below the versions Kong ${target} is tested with` : `PostgreSQL ${server} is not among the versions Kong ${target} is tested with`,
        `Tested: ${testedList}.`,
        `Plan a PostgreSQL upgrade to a tested version (${testedList}), or test the migration on a copy first.`,
      );
    }
    return [];
  },
};

// Before 10, PostgreSQL majors had two numbers (9.6); from 10 one (15.18 is major 15).
export function serverNumber(text: string): number | undefined {
  const match = /^\s*(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major >= 10 || match[2] === undefined ? major : Number(`${major}.${match[2]}`);
}
