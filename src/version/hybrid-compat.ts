import { formatKongVersion, type KongVersion } from './kong-version.js';

/**
 * Whether a control plane accepts a data plane of a version: the same major, and a minor no
 * newer than the control plane's (a newer patch is fine). Anything else is
 * kong_version_incompatible and gets no configuration (Kong/kong 3.4.2
 * kong/clustering/compat/init.lua l.38-75, check_kong_version_compatibility).
 */
export function dataPlaneVerdict(controlPlane: KongVersion, dataPlane: KongVersion): { readonly accepted: true } | { readonly accepted: false; readonly reason: string } {
  if (dataPlane.major !== controlPlane.major) {
    return { accepted: false, reason: `major version differs from the control plane's ${formatKongVersion(controlPlane)}` };
  }
  if (dataPlane.minor > controlPlane.minor) {
    return { accepted: false, reason: `minor ${dataPlane.major}.${dataPlane.minor} is newer than the control plane's ${controlPlane.major}.${controlPlane.minor}` };
  }
  return { accepted: true };
}
