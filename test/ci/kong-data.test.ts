// scripts/kong-data.mjs: where upstream Kong files are looked up, and `npm run kong-data` run as in
// a fresh clone (nothing beside it) against a loopback server standing in for
// raw.githubusercontent.com, with files of its own pinned in the clone's manifest.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchKongData, locateKongData, requireKongData } from '../../scripts/kong-data.mjs';
import { freePort } from '../helpers/free-port.js';
import { KONG_DATA_FILES, itWithKongData } from '../helpers/kong-data.js';
import { REPO_ROOT } from '../helpers/paths.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const CHANGELOG = '## 3.9.3\n\n- a fix\n';
const CONF = 'prefix = /usr/local/kong/\n';
const JSON_TEXT = '{"3.4.3.5":{}}\n';
const pin = (file: string, repository: string, commit: string, upstreamPath: string, text: string) =>
  ({ file, repository, commit, path: upstreamPath, bytes: Buffer.byteLength(text), sha256: sha256(text) });
const MANIFEST = {
  files: [
    pin('oss/CHANGELOG.md', 'Kong/kong', 'a'.repeat(40), 'CHANGELOG.md', CHANGELOG),
    pin('kong-conf/kong.conf.default-3.9.3', 'Kong/kong', 'b'.repeat(40), 'kong.conf.default', CONF),
    pin('docs/gateway-changelog.json', 'Kong/developer.konghq.com', 'c'.repeat(40), 'app/_data/changelogs/gateway.json', JSON_TEXT),
  ],
};

let work: string;
let server: Server;
let baseUrl: string;
/** What the stand-in serves, by URL path; a path it lacks is a 404. */
const served = new Map<string, string>();
const requests: string[] = [];

/** A checkout of the script alone: <work>/<name>/scripts/{kong-data.mjs,kong-data.manifest.json}, nothing beside it. */
function clone(name: string): string {
  const root = path.join(work, name, 'repo');
  mkdirSync(path.join(root, 'scripts'), { recursive: true });
  copyFileSync(path.join(REPO_ROOT, 'scripts/kong-data.mjs'), path.join(root, 'scripts/kong-data.mjs'));
  writeFileSync(path.join(root, 'scripts/kong-data.manifest.json'), JSON.stringify(MANIFEST));
  return root;
}

function kongData(root: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KONG_DATA')));
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'scripts/kong-data.mjs')], { cwd: root, env: { ...clean, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'kong-data-'));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = served.get(req.url ?? '');
    res.writeHead(body === undefined ? 404 : 200).end(body ?? 'Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

describe('npm run kong-data in a fresh clone', () => {
  it('fetches what the manifest pins, refuses a file whose SHA-256 differs, names what is missing, and completes on a second run', async () => {
    const root = clone('fetch');
    served.clear();
    served.set(`/Kong/kong/${'a'.repeat(40)}/CHANGELOG.md`, CHANGELOG);
    served.set(`/Kong/kong/${'b'.repeat(40)}/kong.conf.default`, `${CONF}# changed upstream\n`);

    const first = await kongData(root, { KONG_DATA_BASE_URL: baseUrl });
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(`kong-data: oss/CHANGELOG.md fetched (Kong/kong@aaaaaaaaaaaa:CHANGELOG.md) in .cache/kong-data\n`);
    expect(first.stderr).toContain(
      `kong-data: kong-conf/kong.conf.default-3.9.3 (Kong/kong@bbbbbbbbbbbb:kong.conf.default): refused ${baseUrl}/Kong/kong/${'b'.repeat(40)}/kong.conf.default: ` +
      `SHA-256 ${sha256(`${CONF}# changed upstream\n`)} (${Buffer.byteLength(CONF) + 19} bytes), the manifest pins ${sha256(CONF)} (${Buffer.byteLength(CONF)} bytes)\n`,
    );
    expect(first.stderr).toContain(`kong-data: docs/gateway-changelog.json (Kong/developer.konghq.com@cccccccccccc:app/_data/changelogs/gateway.json): cannot download ${baseUrl}/Kong/developer.konghq.com/${'c'.repeat(40)}/app/_data/changelogs/gateway.json: HTTP 404\n`);
    expect(first.stdout).toContain('kong-data: 3 files pinned in scripts/kong-data.manifest.json: 0 already there, 1 fetched, 2 missing or wrong\n');
    expect(first.stderr).toContain('the tests that need the missing files are skipped; run `npm run kong-data` again');
    // Only the verified file is in the cache: nothing of the refused one, no partial file.
    const cache = path.join(root, '.cache/kong-data');
    expect(readFileSync(path.join(cache, 'oss/CHANGELOG.md'), 'utf8')).toBe(CHANGELOG);
    expect(readdirSync(cache, { recursive: true }).sort()).toEqual(['oss', 'oss/CHANGELOG.md']);

    served.set(`/Kong/kong/${'b'.repeat(40)}/kong.conf.default`, CONF);
    served.set(`/Kong/developer.konghq.com/${'c'.repeat(40)}/app/_data/changelogs/gateway.json`, JSON_TEXT);
    requests.length = 0;
    const second = await kongData(root, { KONG_DATA_BASE_URL: baseUrl });
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toContain('kong-data: oss/CHANGELOG.md checked (Kong/kong@aaaaaaaaaaaa:CHANGELOG.md) in .cache/kong-data\n');
    expect(second.stdout).toContain('3 files pinned in scripts/kong-data.manifest.json: 1 already there, 2 fetched, 0 missing or wrong\n');
    expect(requests.sort()).toEqual([
      `/Kong/developer.konghq.com/${'c'.repeat(40)}/app/_data/changelogs/gateway.json`,
      `/Kong/kong/${'b'.repeat(40)}/kong.conf.default`,
    ]);
    expect(readFileSync(path.join(cache, 'docs/gateway-changelog.json'), 'utf8')).toBe(JSON_TEXT);
  });

  it('fails cleanly, naming each file and the cause, when the server cannot be reached', async () => {
    const root = clone('offline');
    // A loopback port nothing listens on: the connection is refused at once, as where GitHub is unreachable.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await kongData(root, { KONG_DATA_BASE_URL: closed });
    expect(run.code).toBe(1);
    for (const entry of MANIFEST.files) {
      expect(run.stderr).toContain(`kong-data: ${entry.file} (`);
    }
    expect(run.stderr).toContain(`cannot download ${closed}/Kong/kong/${'a'.repeat(40)}/CHANGELOG.md: connect ECONNREFUSED ${closed.slice('http://'.length)}\n`);
    expect(run.stderr).toContain(`with access to ${closed}, or set KONG_DATA_DIR to a directory that holds them\n`);
    expect(existsSync(path.join(root, '.cache/kong-data/oss'))).toBe(false);
  });

  it('checks a copy it finds instead of fetching it, and reports one that differs from the manifest', async () => {
    const root = clone('present');
    const dir = path.join(work, 'present', 'data');
    mkdirSync(path.join(dir, 'oss'), { recursive: true });
    writeFileSync(path.join(dir, 'oss/CHANGELOG.md'), `${CHANGELOG}edited\n`);
    served.clear();
    requests.length = 0;
    const run = await kongData(root, { KONG_DATA_DIR: dir, KONG_DATA_BASE_URL: baseUrl });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`kong-data: oss/CHANGELOG.md (Kong/kong@aaaaaaaaaaaa:CHANGELOG.md): KONG_DATA_DIR (${dir}) has a copy with SHA-256 ${sha256(`${CHANGELOG}edited\n`)}, the manifest pins ${sha256(CHANGELOG)}; remove or replace it\n`);
    expect(requests).not.toContain(`/Kong/kong/${'a'.repeat(40)}/CHANGELOG.md`);
  });
});

describe('where a file is looked up', () => {
  it('KONG_DATA_DIR first, then shared/kong-data beside the checkout, then .cache/kong-data', () => {
    const root = clone('order');
    const file = 'oss/CHANGELOG.md';
    const own = path.join(work, 'order', 'own');
    const beside = path.join(work, 'order', 'shared/kong-data');
    const cache = path.join(root, '.cache/kong-data');
    for (const dir of [own, beside, cache]) {
      mkdirSync(path.join(dir, 'oss'), { recursive: true });
      writeFileSync(path.join(dir, file), CHANGELOG);
    }
    const env = { KONG_DATA_DIR: own };
    expect(locateKongData(file, { root, env })).toBe(path.join(own, file));
    expect(locateKongData(file, { root, env: {} })).toBe(path.join(beside, file));
    rmSync(path.join(work, 'order', 'shared'), { recursive: true });
    expect(locateKongData(file, { root, env })).toBe(path.join(own, file));
    rmSync(own, { recursive: true });
    expect(locateKongData(file, { root, env })).toBe(path.join(cache, file));
    rmSync(cache, { recursive: true });
    expect(locateKongData(file, { root, env })).toBeUndefined();
    expect(() => requireKongData(file, { root, env })).toThrow(
      `Kong data file oss/CHANGELOG.md not found in KONG_DATA_DIR (${own}), .cache/kong-data; fetch it with \`npm run kong-data\``,
    );
  });
});

describe("this checkout's manifest", () => {
  itWithKongData(KONG_DATA_FILES, 'pins exactly the files the data directory holds (SHA-256 of each)', async () => {
    // Nothing is missing, so nothing is fetched: the closed port is never dialled.
    const results = await fetchKongData({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    expect(results.filter((r) => r.outcome !== 'present')).toEqual([]);
    expect(results).toHaveLength(KONG_DATA_FILES.length);
  });
});
