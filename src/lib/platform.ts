import { stepError } from './errors.js';

/**
 * This machine in the names release archives use (GoReleaser's, as decK's releases are built):
 * kept apart from tool-install.ts so that reading a download URL does not load the tool cache.
 */

/** `amd64` or `arm64`. */
export function releaseArch(arch: string = process.arch): string {
  if (arch === 'x64') return 'amd64';
  if (arch === 'arm64') return 'arm64';
  throw stepError('installing a tool', `no release archives for CPU architecture ${arch}`);
}

/** `linux` or `darwin`. */
export function releaseOs(platform: string = process.platform): string {
  if (platform === 'linux' || platform === 'darwin') return platform;
  throw stepError('installing a tool', `no release archives for ${platform} here`);
}
