import {
  compareKongVersions,
  editionOf,
  formatKongVersion,
  releaseLine,
  sameLine,
  tryParseKongVersion,
  type KongVersion,
} from '../version/kong-version.js';
import { KONG_CONF_DEFAULTS_DELTAS } from './kong-conf-defaults.generated.js';
import type { KongConfDefaults } from './kong-conf-default.js';

/**
 * The built-in kong.conf defaults for a version, for a plan made offline. Within a release
 * line kong.conf.default changes little between patches, so the nearest known tag at or below
 * the version stands in for it, and the result says which tag that was. Nothing is guessed
 * across lines or for Enterprise, whose kong.conf.default Kong does not publish.
 */
export type BuiltInKongConfDefaults =
  | {
      readonly kind: 'available';
      readonly tag: string;
      readonly match: 'exact' | 'nearest-below';
      readonly defaults: KongConfDefaults;
    }
  | { readonly kind: 'not-available'; readonly reason: string };

/** Tag → its defaults in file order, expanded from the generated deltas. */
export const KONG_CONF_DEFAULTS_BY_TAG: ReadonlyMap<string, KongConfDefaults> = (() => {
  const byTag = new Map<string, KongConfDefaults>();
  let previous: KongConfDefaults = new Map();
  for (const [tag, entries] of KONG_CONF_DEFAULTS_DELTAS) {
    const defaults = new Map(entries.map((entry) => (typeof entry === 'string' ? [entry, previous.get(entry)!] : entry)));
    byTag.set(tag, defaults);
    previous = defaults;
  }
  return byTag;
})();

const KNOWN = [...KONG_CONF_DEFAULTS_BY_TAG]
  .map(([tag, defaults]) => ({ tag, version: tryParseKongVersion(tag)!, defaults }))
  .sort((a, b) => compareKongVersions(b.version, a.version));

export function builtInKongConfDefaults(version: KongVersion): BuiltInKongConfDefaults {
  const wanted = formatKongVersion(version);
  if (editionOf(version) === 'enterprise') {
    return { kind: 'not-available', reason: `Kong publishes no kong.conf.default for Enterprise ${wanted}` };
  }
  const known = KNOWN.find(
    (entry) => sameLine(entry.version, version) && compareKongVersions(entry.version, version) <= 0,
  );
  if (!known) {
    return { kind: 'not-available', reason: `no built-in kong.conf.default for the ${releaseLine(version)} line at or below ${wanted}` };
  }
  return {
    kind: 'available',
    tag: known.tag,
    match: compareKongVersions(known.version, version) === 0 ? 'exact' : 'nearest-below',
    defaults: known.defaults,
  };
}
