import { editionOf, formatKongVersion, type KongVersion } from '../version/kong-version.js';
import { builtInKongConfDefaults } from './kong-conf-builtin.js';
import { diffKongConf, parseKongConfDefault, type KongConfDefaults } from './kong-conf.js';
import { sourceFileOf } from './plan-changelog.js';
import type { KongConfChanges, PlanSourceFile } from './plan-types.js';
import type { FileReader } from './sources/github.js';
import { kongConfDefaultAt } from './sources/remote-file.js';

export interface LoadedKongConf {
  readonly changes: KongConfChanges;
  /** Both ends' defaults, for the impact rules; undefined when not available. */
  readonly defaults: { readonly from: KongConfDefaults; readonly to: KongConfDefaults } | undefined;
  readonly files: readonly PlanSourceFile[];
}

/**
 * kong.conf.default of both ends, fetched at the OSS tags (or from the cache), else built in.
 * Enterprise publishes no kong.conf.default, so an Enterprise plan says so instead of guessing.
 */
export async function loadKongConfChanges(
  from: KongVersion,
  to: KongVersion,
  read: FileReader | undefined,
  now: Date,
): Promise<LoadedKongConf> {
  if (editionOf(to) === 'enterprise') {
    return notAvailable(`Kong publishes no kong.conf.default for Enterprise ${formatKongVersion(to)}`);
  }
  if (read !== undefined) {
    try {
      const [a, b] = await Promise.all([read(kongConfDefaultAt(formatKongVersion(from))), read(kongConfDefaultAt(formatKongVersion(to)))]);
      return available(formatKongVersion(from), parseKongConfDefault(a.text), formatKongVersion(to), parseKongConfDefault(b.text), [
        sourceFileOf(`kong.conf.default ${formatKongVersion(from)}`, a, now),
        sourceFileOf(`kong.conf.default ${formatKongVersion(to)}`, b, now),
      ]);
    } catch {
      // Not fetched (unreachable, not cached): the built-in defaults below still answer.
    }
  }
  const a = builtInKongConfDefaults(from);
  const b = builtInKongConfDefaults(to);
  if (a.kind === 'not-available') return notAvailable(a.reason);
  if (b.kind === 'not-available') return notAvailable(b.reason);
  const label = (tag: string, match: string) => (match === 'exact' ? tag : `${tag} (nearest built-in)`);
  return available(label(a.tag, a.match), a.defaults, label(b.tag, b.match), b.defaults, []);
}

function available(
  fromTag: string,
  from: KongConfDefaults,
  toTag: string,
  to: KongConfDefaults,
  files: PlanSourceFile[],
): LoadedKongConf {
  return { changes: { available: true, fromTag, toTag, ...diffKongConf(from, to) }, defaults: { from, to }, files };
}

function notAvailable(reason: string): LoadedKongConf {
  return { changes: { available: false, reason }, defaults: undefined, files: [] };
}
