import { crosses } from './crossing.js';
import type { Impact, ImpactRule } from './types.js';

// Auth plugins whose `hide_credentials` default turns on in 3.14 (facts
// upgrade-paths-helm-operator-deck.md §1.6, 3.10 → 3.14 "secure by default"). Only the
// long-standing bundled auth plugins are listed; others may be affected as well.
const AUTH_PLUGINS: readonly string[] = ['basic-auth', 'key-auth', 'hmac-auth', 'ldap-auth', 'oauth2'];

/**
 * 3.14 changes defaults: routes default to `https` only, services verify upstream TLS, auth
 * plugins hide credentials (facts §1.6). A declarative file that leaves these fields out takes
 * the new values; `deck file convert --from 3.10 --to 3.14` pins the old ones (facts §5.3).
 * Entities read from the Admin API carry every field explicitly, so only files are checked.
 */
export const secureByDefault: ImpactRule = {
  id: 'secure-by-default',
  check(context) {
    if (!crosses(context, '3.14.0')) return [];
    return context.entities.flatMap((set): Impact[] => {
      if (set.source !== 'declarative') return [];
      const omitted = (fields: Readonly<Record<string, unknown>>, name: string) => !(name in fields);
      return [
        ...set.routes
          .filter((route) => omitted(route.fields, 'protocols'))
          .map((route) => finding(route.where, 'Route leaves `protocols` out', 'will accept HTTPS only')),
        ...set.services
          .filter((service) => omitted(service.fields, 'tls_verify'))
          .map((service) => finding(service.where, 'Service leaves `tls_verify` out', 'will verify the upstream TLS certificate')),
        ...set.plugins
          .filter((plugin) => AUTH_PLUGINS.includes(plugin.name) && omitted(plugin.config, 'hide_credentials'))
          .map((plugin) =>
            finding(plugin.where, `Plugin ${plugin.name} leaves \`hide_credentials\` out`, 'will strip the credential before proxying'),
          ),
      ];
    });
  },
};

function finding(where: string, title: string, effect: string): Impact {
  return {
    rule: 'secure-by-default',
    severity: 'warning',
    title,
    detail: `${where}: from 3.14 the default changes, so this entity ${effect}.`,
    where,
    remedy: 'Run `deck file convert --from 3.10 --to 3.14` to pin the old defaults, or accept the new ones after testing.',
  };
}
