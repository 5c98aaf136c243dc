/** A file in a public GitHub repository at a ref: what the online plan reads. */
export interface RemoteFile {
  readonly owner: string;
  readonly repo: string;
  readonly ref: string;
  readonly path: string;
}

export interface FetchedFile {
  readonly file: RemoteFile;
  readonly text: string;
  readonly etag: string | undefined;
  /** ISO time the content was last fetched from GitHub (for a cached copy: when it was stored). */
  readonly fetchedAt: string;
  /** Where this run got it: fresh from the network, revalidated (304), or the cache alone. */
  readonly via: 'network' | 'revalidated' | 'cache';
}

export function describeRemoteFile(file: RemoteFile): string {
  return `${file.owner}/${file.repo}@${file.ref}:${file.path}`;
}

export function remoteFileUrl(file: RemoteFile): string {
  return `https://github.com/${file.owner}/${file.repo}/blob/${file.ref}/${file.path}`;
}

/**
 * The living files behind a plan (../shared/kong-data/README.md, facts A.1, A.3b): Kong/kong's
 * master changelogs for OSS, developer.konghq.com's structured changelog for Enterprise, and
 * kong.conf.default at each OSS tag (tags have no `v` prefix, facts A.5).
 */
export const OSS_CHANGELOG: RemoteFile = { owner: 'Kong', repo: 'kong', ref: 'master', path: 'CHANGELOG.md' };
export const OSS_CHANGELOG_OLD: RemoteFile = { owner: 'Kong', repo: 'kong', ref: 'master', path: 'CHANGELOG-OLD.md' };
export const ENTERPRISE_CHANGELOG: RemoteFile = {
  owner: 'Kong',
  repo: 'developer.konghq.com',
  ref: 'main',
  path: 'app/_data/changelogs/gateway.json',
};

export function kongConfDefaultAt(tag: string): RemoteFile {
  return { owner: 'Kong', repo: 'kong', ref: tag, path: 'kong.conf.default' };
}

/** One of Kong's default nginx templates (kong/templates/<name>), for custom-template impact. */
export function kongTemplateAt(tag: string, name: string): RemoteFile {
  return { owner: 'Kong', repo: 'kong', ref: tag, path: `kong/templates/${name}` };
}
