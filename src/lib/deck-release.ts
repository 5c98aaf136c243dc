import { inputError } from './errors.js';
import { readString, type InputSource } from './inputs.js';
import { releaseArch, releaseOs } from './platform.js';

/** decK's release archives (GoReleaser: `deck_<version>_<os>_<arch>.tar.gz`, `checksums.txt` beside). */
export const DECK_DOWNLOAD_URL = 'https://github.com/Kong/deck/releases/download/v{version}/deck_{version}_{os}_{arch}.tar.gz';

export interface DeckRelease {
  readonly version: string;
  readonly url: string;
  readonly checksumsUrl: string;
}

/**
 * `deck-version` (exact: the tool cache is keyed by it) and `deck-download-url` (a template with
 * {version}, {os}, {arch}), or undefined when no decK version is given: the download URL alone
 * does nothing, since action.yml gives it a default.
 */
export function readDeckRelease(source: InputSource, fallbackVersion?: string): DeckRelease | undefined {
  const given = readString(source, 'deck-version') ?? fallbackVersion;
  const template = readString(source, 'deck-download-url') ?? DECK_DOWNLOAD_URL;
  if (given === undefined) return undefined;
  const version = given.replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw inputError('deck-version', `"${given}" is not an exact decK version like 1.40.0`);
  if (!template.includes('{version}')) throw inputError('deck-download-url', 'must contain {version} (and may contain {os} and {arch})');
  let url: URL;
  const filled = template.replaceAll('{version}', version).replaceAll('{os}', releaseOs()).replaceAll('{arch}', releaseArch());
  try {
    url = new URL(filled);
  } catch {
    throw inputError('deck-download-url', `"${filled}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw inputError('deck-download-url', `"${filled}" must be http(s)`);
  // GoReleaser writes checksums.txt beside the archives of a release.
  return { version, url: url.toString(), checksumsUrl: new URL('checksums.txt', url).toString() };
}
