// Every package bundled into a dist/ folder has its licence in that folder's licenses.txt.
// What is bundled comes from the build's own module list (ncc's webpack stats, kept by
// scripts/build.mjs in build/bundle-files/), held against the module names the bundle itself
// prints, and each package is found here by walking up to its package.json, not the way the
// build finds it; the licence text is compared with the package's own files in node_modules.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

const DIST = path.join(REPO_ROOT, 'dist');
const LISTS = path.join(REPO_ROOT, 'build/bundle-files');

/** Each bundle: a folder under dist/ with an index.js (backup-db/post included). */
function bundles(dir = DIST, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const name = `${prefix}${entry.name}`;
      const here = existsSync(path.join(dir, entry.name, 'index.js')) ? [name] : [];
      return [...here, ...bundles(path.join(dir, entry.name), `${name}/`)];
    });
}

interface Package {
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly license: string | undefined;
}

/** The package a bundled file belongs to: the nearest folder above it whose package.json has a name. */
function packageOf(file: string): Package {
  let dir = path.dirname(path.resolve(REPO_ROOT, file));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name, version, license } = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string | undefined>;
      if (name !== undefined && version !== undefined) return { dir, name, version, license };
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json with a name above ${file}`);
    dir = parent;
  }
}

function bundledPackages(files: readonly string[]): Package[] {
  const found = new Map<string, Package>();
  for (const file of files.filter((f) => f.split('/').includes('node_modules'))) {
    const pkg = packageOf(file);
    found.set(`${pkg.name}@${pkg.version}`, pkg);
  }
  return [...found.values()];
}

/** Files the bundle names in webpack's comments (`// CONCATENATED MODULE: ./node_modules/…`). */
function namedInBundle(bundle: string): string[] {
  const dir = path.join(DIST, bundle);
  const named = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    for (const match of readFileSync(path.join(dir, file), 'utf8').matchAll(/^;?\/\/ (?:CONCATENATED|EXTERNAL) MODULE: \.\/(\S+)/gm)) named.add(match[1]!);
  }
  return [...named];
}

/** licenses.txt cut at the lines that head each entry, `name@version`. */
function entries(text: string, headers: readonly string[]): Map<string, string> {
  const lines = text.split('\n');
  const starts = lines.flatMap((line, i) => (headers.includes(line) ? [i] : []));
  return new Map(starts.map((start, k) => [lines[start]!, lines.slice(start + 1, starts[k + 1] ?? lines.length).join('\n').trim()]));
}

const LICENCE_FILE = /^(licen[cs]e|copying)/i;

/** Bundled packages with a licence file, of the same repository and licence as `pkg` (which has none and no README section). */
function sameRepository(pkg: Package, packages: readonly Package[]): Package[] {
  const repository = (dir: string) => {
    const value = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { repository?: string | { url?: string } }).repository;
    return typeof value === 'string' ? value : value?.url;
  };
  const readme = readdirSync(pkg.dir).find((f) => /^readme/i.test(f));
  if (readme !== undefined && /^#+ *licen[cs]e *$/im.test(readFileSync(path.join(pkg.dir, readme), 'utf8'))) return [];
  const url = repository(pkg.dir);
  return url === undefined ? [] : packages.filter((other) => other.dir !== pkg.dir && other.license === pkg.license && repository(other.dir) === url && readdirSync(other.dir).some((f) => LICENCE_FILE.test(f)));
}

describe('licenses.txt of every bundle', () => {
  const names = bundles();

  it('there are bundles, each with a module list from the build', () => {
    expect(names).toEqual(expect.arrayContaining(['migrate', 'backup-db', 'backup-db/post', 'cli']));
    const missing = names.filter((name) => !existsSync(path.join(LISTS, `${name}.json`)));
    expect(missing, 'build/bundle-files/ has no module list for these: run `npm run build`').toEqual([]);
  });

  for (const bundle of names) {
    describe(`dist/${bundle}`, () => {
      const files = (): string[] => JSON.parse(readFileSync(path.join(LISTS, `${bundle}.json`), 'utf8'));

      it('the module list is this bundle\'s: every module the bundle names is on it', () => {
        const listed = new Set(files().map((f) => f.replace(/^(\.\.\/)+.*?node_modules\//, 'node_modules/')));
        const named = namedInBundle(bundle);
        expect(named.length).toBeGreaterThan(0);
        expect(named.filter((file) => !listed.has(file))).toEqual([]);
      });

      it('lists each bundled package once, with its license field and its own licence text, and nothing else', () => {
        const packages = bundledPackages(files());
        expect(packages.length).toBeGreaterThan(0);
        const headers = packages.map((pkg) => `${pkg.name}@${pkg.version}`);
        const text = readFileSync(path.join(DIST, bundle, 'licenses.txt'), 'utf8');
        const found = entries(text, headers);
        expect([...found.keys()].sort()).toEqual([...headers].sort());
        // No entry for a package that is not bundled: every entry starts with a header above.
        expect(text.split('\n')[0]).toBe([...found.keys()][0]);
        expect(text.split('\n').filter((line) => /^(@[\w.-]+\/)?[\w.-]+@\d+\.\d+\.\d+\S*$/.test(line)).length).toBe(headers.length);
        for (const pkg of packages) {
          const entry = found.get(`${pkg.name}@${pkg.version}`)!;
          const [license, ...rest] = entry.split('\n');
          expect(license, `${pkg.name}: license field`).toBe(pkg.license);
          const licence = rest.join('\n').trim();
          const own = readdirSync(pkg.dir).filter((f) => LICENCE_FILE.test(f));
          if (own.length > 0) {
            expect(own.map((f) => readFileSync(path.join(pkg.dir, f), 'utf8').trim()), `${pkg.name}: licence file`).toContain(licence);
          } else if (sameRepository(pkg, packages).length > 0) {
            // @aws-sdk/credential-provider-http, -login, nested-clients: their monorepo's licence
            // file, as the other packages of aws/aws-sdk-js-v3 under the same licence ship it.
            const texts = sameRepository(pkg, packages).flatMap((other) => readdirSync(other.dir).filter((f) => LICENCE_FILE.test(f)).map((f) => readFileSync(path.join(other.dir, f), 'utf8').trim()));
            expect(texts, `${pkg.name}: its repository's licence file`).toContain(licence);
          } else {
            // pg-types and pgpass have no licence file: their README's License section is the text.
            const readme = readdirSync(pkg.dir).find((f) => /^readme/i.test(f));
            expect(readme, `${pkg.name} has neither a licence file nor a README`).toBeDefined();
            expect(licence.length, `${pkg.name}: licence text`).toBeGreaterThan(100);
            expect(readFileSync(path.join(pkg.dir, readme!), 'utf8')).toMatch(new RegExp(`^#+ *licen[cs]e *\\n+${licence.slice(0, 60).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'im'));
          }
        }
      });
    });
  }
});
