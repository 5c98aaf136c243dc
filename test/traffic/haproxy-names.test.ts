// Issue 20: a `;` in haproxy-backend injected runtime commands: `command: status` with
// `haproxy-backend: kong/blue 0; disable server kong/blue; disable server kong` put both servers
// in maintenance and reported success. The bundled dist/promote against a real HAProxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHaproxy, type HaproxyServer } from '../helpers/haproxy.js';
import { runAction } from '../helpers/run-action.js';
import { createHaproxyBackend, haproxyNameProblem, parseStatCsv } from '../../src/traffic/haproxy.js';

let haproxy: HaproxyServer;

beforeAll(async () => {
  haproxy = await startHaproxy({
    servers: [
      { name: 'blue', address: '127.0.0.1:9', weight: 200 },
      { name: 'green', address: '127.0.0.1:9', weight: 0 },
    ],
  });
}, 60_000);

afterAll(async () => {
  await haproxy?.stop();
});

/** Each server's status as `show stat` reports it (MAINT once disabled). */
async function statuses(): Promise<Record<string, string>> {
  const rows = parseStatCsv(await haproxy.command('show stat'));
  return Object.fromEntries(rows.filter((row) => row.pxname === 'kong' && ['blue', 'green'].includes(row.svname ?? '')).map((row) => [row.svname, row.status ?? '']));
}

const base = () => ({
  backend: 'haproxy',
  command: 'status',
  'haproxy-socket': haproxy.socketPath,
  'haproxy-binary': haproxy.binary,
  'blue-servers': 'blue',
  'green-servers': 'green',
});

describe('HAProxy backend and server names', () => {
  it('refuses a backend name that carries runtime commands, naming haproxy-backend; nothing is sent', async () => {
    const before = await statuses();
    expect(Object.values(before).some((s) => s.includes('MAINT'))).toBe(false);
    const run = await runAction('promote', { ...base(), 'haproxy-backend': 'kong/blue 0; disable server kong/blue; disable server kong/green; get weight kong' });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.at(-1)!.message).toMatch(/^input 'haproxy-backend': "kong\/blue 0; disable server kong\/blue; .*" is not a HAProxy name: letters, digits and _ : \. - only/);
    expect(await statuses()).toEqual(before);
  });

  it('refuses server names with a separator or a line break, naming their input', async () => {
    const blue = await runAction('promote', { ...base(), 'blue-servers': 'blue;disable server kong/green' });
    expect(blue.annotations.at(-1)!.message).toMatch(/^input 'blue-servers': "blue;disable server kong\/green" is not a HAProxy name/);
    const green = await runAction('promote', { ...base(), 'green-servers': 'gr een' });
    expect(green.annotations.at(-1)!.message).toMatch(/^input 'green-servers': "gr een" is not a HAProxy name/);
    expect(Object.values(await statuses()).some((s) => s.includes('MAINT'))).toBe(false);
  });

  it('follows HAProxy\'s own rule, and the backend refuses a bad name whoever built its options', () => {
    for (const name of ['kong', 'be_kong-1', 'api.v2:blue']) expect(haproxyNameProblem(name)).toBeUndefined();
    for (const name of ['', 'a b', 'a;b', 'a/b', 'a\nb', 'kong#1']) expect(haproxyNameProblem(name)).toBeDefined();
    expect(() => createHaproxyBackend({ socket: haproxy.socketPath, backend: 'kong; disable server kong/blue', blueServers: ['blue'], greenServers: ['green'], configFile: undefined, binary: haproxy.binary, timeoutMs: 1000 })).toThrow(/is not a HAProxy name/);
  });
});
