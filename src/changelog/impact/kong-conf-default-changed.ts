import { diffKongConf } from '../kong-conf.js';
import { crosses } from './crossing.js';
import type { Impact, ImpactContext, ImpactRule } from './types.js';

interface DefaultChange {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

// Used when no kong.conf.default of both ends is at hand (Enterprise, or no data for a line).
// Read from the shared kong.conf.default files 2.8.0 / 3.0.0 / 3.9.3 (the first three) and
// changelog-and-admin-api.md §A.4 (status_listen, Kong/kong#12304).
const NOTABLE: readonly (DefaultChange & { readonly appliesFrom: string })[] = [
  { name: 'worker_consistency', from: 'strict', to: 'eventual', appliesFrom: '3.0.0' },
  { name: 'lua_ssl_trusted_certificate', from: '', to: 'system', appliesFrom: '3.0.0' },
  { name: 'vaults', from: 'off', to: 'bundled', appliesFrom: '3.0.0' },
  { name: 'status_listen', from: 'off', to: '127.0.0.1:8007 reuseport backlog=16384', appliesFrom: '3.6.0' },
];

/**
 * A default that changes between the two ends, for a property the user's kong.conf leaves
 * unset: the node silently takes the new value. Without the user's kong.conf nothing can be
 * said; the plan's kong.conf diff lists the changes anyway.
 */
export const kongConfDefaultChanged: ImpactRule = {
  id: 'kong-conf-default-changed',
  check(context) {
    const conf = context.kongConf;
    if (!conf) return [];
    return changesOf(context)
      .filter((change) => !conf.settings.has(change.name))
      .map(
        (change): Impact => ({
          rule: 'kong-conf-default-changed',
          severity: 'warning',
          title: `Default of \`${change.name}\` changes and kong.conf relies on it`,
          detail: `\`${change.name}\` goes from ${shown(change.from)} to ${shown(change.to)}; ${conf.file} does not set it, so the node takes the new value unless a KONG_${change.name.toUpperCase()} variable sets it.`,
          where: conf.file,
          remedy: `Decide whether the new value suits you; to keep the old behaviour set \`${change.name} = ${change.from}\`.`,
        }),
      );
  },
};

function changesOf(context: ImpactContext): readonly DefaultChange[] {
  const defaults = context.kongConfDefaults;
  if (defaults) return diffKongConf(defaults.from, defaults.to).defaultChanged;
  return NOTABLE.filter((change) => crosses(context, change.appliesFrom));
}

function shown(value: string): string {
  return value === '' ? '(empty)' : `\`${value}\``;
}
