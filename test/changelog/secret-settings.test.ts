// Issue 20: every cassandra_* setting is flagged as removed in 3.4 and the finding quoted its
// value, so `cassandra_password` reached the plan JSON, the summary and the CLI's text. A
// finding names a secret setting's key only, and the plan request masks its value as it reads it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSecretSetting, parseUserKongConf } from '../../src/changelog/kong-conf.js';
import { analyzeImpact } from '../../src/changelog/impact/index.js';
import { buildPlan } from '../../src/changelog/plan.js';
import { readPlanRequest } from '../../src/changelog/plan-request.js';
import { serializePlan } from '../../src/changelog/plan-types.js';
import { renderPlanMarkdown } from '../../src/changelog/render/markdown.js';
import { renderPlanText } from '../../src/changelog/render/text.js';
import { parseKongVersion } from '../../src/version/kong-version.js';

const SECRET_CONF = [
  'database = cassandra',
  'cassandra_contact_points = 10.0.0.5',
  'cassandra_password = Cass-Secret-4711',
  'pg_password = Pg-Secret-4711',
  'cassandra_ssl_cert_key = -----BEGIN PRIVATE KEY-----Key-Secret-4711',
  '',
].join('\n');
const SECRETS = ['Cass-Secret-4711', 'Pg-Secret-4711', 'Key-Secret-4711'];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'secret-settings-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('secret kong.conf settings', () => {
  it('are recognised by name, with or without the KONG_ prefix', () => {
    for (const name of ['pg_password', 'cassandra_password', 'pg_ro_password', 'vault_hcv_token', 'ssl_cert_key', 'admin_gui_auth_conf', 'KONG_PG_PASSWORD', 'cluster_cert', 'lua_ssl_trusted_certificate', 'smtp_password', 'proxy_server', 'KONG_DECLARATIVE_CONFIG_STRING', 'pg_ro_password', 'admin_gui_ssl_cert_key']) {
      expect(isSecretSetting(name), name).toBe(true);
    }
    for (const name of ['pg_host', 'cassandra_port', 'database', 'pg_ssl_version', 'keyring_enabled', 'KONG_LOG_LEVEL', 'router_flavor']) {
      expect(isSecretSetting(name), name).toBe(false);
    }
  });

  it('are named in findings, never quoted; other values still are', () => {
    const impacts = analyzeImpact({
      from: parseKongVersion('2.8.4'),
      to: parseKongVersion('3.4.2'),
      kongConf: { file: 'kong.conf', settings: parseUserKongConf(SECRET_CONF) },
      kongConfDefaults: undefined,
      adminApi: undefined,
      declarative: [],
      postgres: undefined,
      nginxTemplate: undefined,
    });
    const text = JSON.stringify(impacts);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const password = impacts.find((i) => i.title.includes('`cassandra_password`'));
    expect(password?.detail).toBe('`cassandra_password` (its value is not shown: a secret or key setting): Cassandra support ends in 3.4.0.');
    expect(impacts.find((i) => i.title.includes('`cassandra_contact_points`'))?.detail).toContain('`cassandra_contact_points = 10.0.0.5`');
  });

  it('stay out of the plan JSON, the markdown summary and the CLI text, and are masked as read', async () => {
    const file = path.join(work, 'kong.conf');
    await writeFile(file, SECRET_CONF);
    const masked: string[] = [];
    const values: Record<string, string> = { from: '2.8.4', to: '3.4.2', offline: 'true', 'kong-conf': file };
    const request = await readPlanRequest({ get: (name) => values[name] ?? '', mask: (secret) => masked.push(secret) });
    expect(masked).toEqual(expect.arrayContaining(['Cass-Secret-4711', 'Pg-Secret-4711', '-----BEGIN PRIVATE KEY-----Key-Secret-4711']));
    const plan = await buildPlan(request, { log: () => {}, now: () => new Date('2026-11-24T12:00:00Z') });
    expect(plan.impacts.filter((i) => i.rule === 'kong-conf-removed-property').length).toBeGreaterThanOrEqual(3);
    for (const [where, text] of Object.entries({ json: serializePlan(plan), markdown: renderPlanMarkdown(plan, 900 * 1024), text: renderPlanText(plan) })) {
      for (const secret of SECRETS) expect(text.includes(secret), `${where} shows ${secret}`).toBe(false);
    }
  });
});
