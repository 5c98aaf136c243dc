import { describeSetting } from '../kong-conf.js';
import { crosses } from './crossing.js';
import { settingWhere } from './kong-conf-where.js';
import type { Impact, ImpactRule } from './types.js';

interface InvalidValue {
  readonly name: string;
  readonly invalid: (value: string) => boolean;
  readonly appliesFrom: string;
  readonly why: string;
  readonly remedy: string;
}

// Values the target refuses to start with. Facts: upgrade-paths-helm-operator-deck.md §1.9
// (`database = cassandra` rejected from 3.4.0) and §1.2 / §1.6 (`pg_ssl_version = tlsv1`
// invalid on 3.x, use `tlsv1_2`); the Enterprise changelog (developer.konghq.com
// app/_data/changelogs/gateway.json, 3.2.1.0 breaking_change) dates the pg_ssl_version
// constraint, an Enterprise-only property, to 3.2.1.0.
const INVALID: readonly InvalidValue[] = [
  {
    name: 'database',
    invalid: (value) => value.toLowerCase() === 'cassandra',
    appliesFrom: '3.4.0',
    why: 'from 3.4.0 the datastore is PostgreSQL or none (`off`)',
    remedy: 'Move the data to PostgreSQL on the current version before upgrading (with Kong support for Enterprise).',
  },
  {
    name: 'pg_ssl_version',
    invalid: (value) => value.toLowerCase() === 'tlsv1',
    appliesFrom: '3.2.1',
    why: '3.x no longer accepts TLS 1.0 for PostgreSQL connections',
    remedy: 'Set `pg_ssl_version = tlsv1_2` (check the server accepts it) before the upgrade.',
  },
];

export const kongConfInvalidValue: ImpactRule = {
  id: 'kong-conf-invalid-value',
  check(context) {
    const conf = context.kongConf;
    if (!conf) return [];
    return INVALID.flatMap((entry): Impact[] => {
      const setting = conf.settings.get(entry.name);
      if (!setting || !entry.invalid(setting.value) || !crosses(context, entry.appliesFrom)) return [];
      return [
        {
          rule: 'kong-conf-invalid-value',
          severity: 'error',
          title: `kong.conf value ${describeSetting(entry.name, setting)} is invalid on the target`,
          detail: `${entry.why} (changed in ${entry.appliesFrom}).`,
          where: settingWhere(conf, setting),
          remedy: entry.remedy,
        },
      ];
    });
  },
};
