// @ts-check
// The licences of what ncc bundled, for scripts/build.mjs. ncc's own `--license` output (from
// license-webpack-plugin) leaves out the packages webpack concatenates as ES modules (yaml, the
// @actions/* packages) and what they pull in (tunnel), so the list is made here from the build's
// module list instead: every module webpack put in a chunk, concatenated modules included.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * @typedef {{ name?: string, modules?: StatsModule[] }} StatsModule
 * @typedef {{ chunks?: { modules?: StatsModule[] }[] }} Stats
 */

/**
 * The files bundled into the chunks of a build, relative to `root` and `/`-separated, read from
 * ncc's `--stats-out` JSON. A concatenated module (`x.js + 10 modules`) stands for its parts,
 * listed under it; externals (`external "node:fs"`) and webpack's runtime are no files.
 * @param {Stats} stats @returns {string[]}
 */
export function bundledFiles(stats) {
  /** @type {Set<string>} */
  const files = new Set();
  /** @param {StatsModule[] | undefined} modules */
  const visit = (modules) => {
    for (const module of modules ?? []) {
      if (module.modules) visit(module.modules);
      // ncc's stand-in for a missing optional module is `@@notfound.js?<module>`: the file is the part before `?`.
      else if (/^\.\.?\//.test(module.name ?? '')) files.add(path.posix.normalize((module.name ?? '').replace(/\?.*$/, '')));
    }
  };
  for (const chunk of stats.chunks ?? []) visit(chunk.modules);
  return [...files].sort();
}

/** The package folders (`node_modules/a/node_modules/@b/c`) that bundled files lie in. @param {readonly string[]} files */
export function bundledPackages(files) {
  const dirs = new Set();
  for (const file of files) {
    const match = /^(?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/]+/.exec(file);
    if (match) dirs.add(match[0]);
  }
  return [...dirs].sort();
}

const LICENCE_FILE = /^(licen[cs]e|copying)(\b|[.-])/i;
const README = /^readme(\.md|\.markdown)?$/i;

/**
 * A package's licence text: its licence file, or else the "License" section of its README (pg-types
 * and pgpass keep their MIT text there). Throws when it has neither: the build must not ship a
 * package whose licence text it cannot ship along.
 * @param {string} dir
 */
function licenceText(dir) {
  const names = readdirSync(dir).sort();
  const file = names.find((name) => LICENCE_FILE.test(name));
  if (file !== undefined) return readFileSync(path.join(dir, file), 'utf8').trim();
  const readme = names.find((name) => README.test(name));
  const section = readme === undefined ? undefined : /^(#+) *licen[cs]e *\n([\s\S]*?)(?=^#{1,6} |(?![\s\S]))/im.exec(readFileSync(path.join(dir, readme), 'utf8'));
  if (section?.[2]?.trim()) return section[2].trim();
  throw new Error(`${dir} is bundled but has no licence file and no License section in a README: its licence text cannot be shipped with the bundle`);
}

/**
 * licenses.txt for one bundle: for each package, `name@version`, its `license` field and its
 * licence text, sorted by name and version.
 * @param {string} root @param {readonly string[]} packageDirs
 */
export function licensesText(root, packageDirs) {
  const packages = packageDirs.map((dir) => ({ full: path.join(root, dir), json: JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) }));
  const entries = packages.map(({ full, json: { name, version, license, repository } }) => {
    return { key: `${name} ${version}`, text: `${name}@${version}\n${license ?? 'no license field'}\n${monorepoLicence(full, license, repository, packages) ?? licenceText(full)}\n` };
  });
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return entries.map((entry) => entry.text).join('\n');
}

/**
 * A few packages of a monorepo ship without a licence file (@aws-sdk/credential-provider-http,
 * -login and nested-clients of aws/aws-sdk-js-v3): the repository's licence file is theirs, and
 * another bundled package of the same repository and licence ships it.
 * @param {string} full @param {string | undefined} license @param {{ url?: string } | string | undefined} repository
 * @param {readonly { full: string, json: { license?: string, repository?: { url?: string } | string } }[]} packages
 */
function monorepoLicence(full, license, repository, packages) {
  if (readdirSync(full).some((name) => LICENCE_FILE.test(name))) return undefined;
  const url = typeof repository === 'string' ? repository : repository?.url;
  if (url === undefined || license === undefined) return undefined;
  const sibling = packages.find(({ full: other, json }) => other !== full && json.license === license
    && (typeof json.repository === 'string' ? json.repository : json.repository?.url) === url
    && readdirSync(other).some((name) => LICENCE_FILE.test(name)));
  return sibling === undefined ? undefined : licenceText(sibling.full);
}
