import { compareKongVersions, parseKongVersion } from '../../version/kong-version.js';
import type { ImpactContext } from './types.js';

/** True when the upgrade enters `version`: it starts below it and ends at or above it. */
export function crosses(context: Pick<ImpactContext, 'from' | 'to'>, version: string): boolean {
  const at = parseKongVersion(version);
  return compareKongVersions(context.from, at) < 0 && compareKongVersions(context.to, at) >= 0;
}
