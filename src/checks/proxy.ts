import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { errorMessage, inputError } from '../lib/errors.js';
import { httpRequest, type HttpResponse } from '../lib/http.js';
import { fail, pass, type CheckResult } from './report.js';

/**
 * Proxy checks: requests sent through Kong's proxy with what each must get back. Given as a
 * YAML or JSON list (the `proxy-requests` input or a file):
 *
 *   - name: orders                 # optional; default "METHOD path"
 *     method: GET                  # default GET
 *     path: /orders?limit=1        # required, starts with /
 *     host: api.example.com        # Host header: Kong routes by it
 *     headers: { apikey: secret }
 *     body: '{"a":1}'              # string, or an object/array sent as JSON
 *     expect:
 *       status: 200                # a number or a list; default 200
 *       headers: { content-type: '/json/' }   # exact value, or /regex/
 *       body: 'ok|ready'           # regex on the body
 *       json: { '$.data[0].name': orders, '$.next': null }   # JSON path → value (deep equal)
 */
export interface ProxyExpectation {
  readonly status: readonly number[];
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly json: Readonly<Record<string, unknown>>;
}

export interface ProxyRequestSpec {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly host: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly expect: ProxyExpectation;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Parses and validates the list; errors name `input` and the item. */
export function parseProxyRequests(text: string, input: string): ProxyRequestSpec[] {
  let data: unknown;
  try {
    // YAML is a superset of JSON: one parser for both forms. Its warnings (an unknown `%`
    // directive) would go to stderr quoting the input: errors only.
    data = YAML.parse(text, { logLevel: 'error' });
  } catch (error) {
    throw inputError(input, `is neither YAML nor JSON: ${(error as Error).message.split('\n')[0]}`, error);
  }
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw inputError(input, 'must be a list of requests (YAML or JSON array)');
  const names = new Set<string>();
  return data.map((item, index) => {
    const where = `item ${index + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw inputError(input, `${where} is not a mapping`);
    const raw = item as Record<string, unknown>;
    const known = new Set(['name', 'method', 'path', 'host', 'headers', 'body', 'expect']);
    const unknown = Object.keys(raw).filter((key) => !known.has(key));
    if (unknown.length > 0) throw inputError(input, `${where} has unknown key(s) ${unknown.join(', ')}; accepted: ${[...known].join(', ')}`);
    const path = raw.path;
    if (typeof path !== 'string' || !path.startsWith('/')) throw inputError(input, `${where}: path is required and must start with /`);
    const method = raw.method === undefined ? 'GET' : String(raw.method).toUpperCase();
    if (!METHODS.includes(method)) throw inputError(input, `${where}: method ${method} is not one of ${METHODS.join(', ')}`);
    const name = raw.name === undefined ? `${method} ${path}` : String(raw.name);
    if (names.has(name)) throw inputError(input, `${where}: name "${name}" is used twice`);
    names.add(name);
    const headers = stringMap(raw.headers, input, `${where}: headers`);
    const body = raw.body === undefined || raw.body === null ? undefined : typeof raw.body === 'string' ? raw.body : JSON.stringify(raw.body);
    if (body !== undefined && typeof raw.body !== 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const host = raw.host === undefined ? undefined : String(raw.host);
    return { name, method, path, host, headers, body, expect: parseExpect(raw.expect, input, where) };
  });
}

function parseExpect(value: unknown, input: string, where: string): ProxyExpectation {
  if (value === undefined || value === null) return { status: [200], headers: {}, body: undefined, json: {} };
  if (typeof value !== 'object' || Array.isArray(value)) throw inputError(input, `${where}: expect must be a mapping`);
  const raw = value as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((key) => !['status', 'headers', 'body', 'json'].includes(key));
  if (unknown.length > 0) throw inputError(input, `${where}: expect has unknown key(s) ${unknown.join(', ')}; accepted: status, headers, body, json`);
  const statuses = raw.status === undefined ? [200] : Array.isArray(raw.status) ? raw.status : [raw.status];
  const status = statuses.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 100 || n > 599) throw inputError(input, `${where}: expect.status ${JSON.stringify(s)} is not an HTTP status`);
    return n;
  });
  const body = raw.body === undefined ? undefined : String(raw.body);
  if (body !== undefined) compileRegex(body, input, `${where}: expect.body`);
  const headers = stringMap(raw.headers, input, `${where}: expect.headers`);
  for (const [name, expected] of Object.entries(headers)) {
    if (isRegexForm(expected)) compileRegex(expected.slice(1, -1), input, `${where}: expect.headers.${name}`);
  }
  const json = raw.json === undefined ? {} : raw.json;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw inputError(input, `${where}: expect.json must map JSON paths to values`);
  for (const path of Object.keys(json)) parseJsonPath(path, input, where);
  return { status, headers, body, json: json as Record<string, unknown> };
}

function stringMap(value: unknown, input: string, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw inputError(input, `${where} must be a mapping of names to values`);
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

const isRegexForm = (text: string) => text.length >= 2 && text.startsWith('/') && text.endsWith('/');

function compileRegex(source: string, input: string, where: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw inputError(input, `${where}: ${JSON.stringify(source)} is not a regular expression`, error);
  }
}

type PathStep = { readonly key: string } | { readonly index: number };

/** `$.a.b[0]["c d"]`: the subset of JSONPath that names one value. */
function parseJsonPath(path: string, input = 'proxy-requests', where = 'expect.json'): PathStep[] {
  const bad = () => inputError(input, `${where}: JSON path ${JSON.stringify(path)} is not of the form $.a.b[0]["c"]`);
  if (!path.startsWith('$')) throw bad();
  const steps: PathStep[] = [];
  const pattern = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*"|'[^']*')\]/y;
  let at = 1;
  while (at < path.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(path);
    if (!match) throw bad();
    if (match[1] !== undefined) steps.push({ key: match[1] });
    else if (match[2] !== undefined) steps.push({ index: Number(match[2]) });
    else {
      const quoted = match[3]!;
      steps.push({ key: quoted.startsWith('"') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1) });
    }
    at = pattern.lastIndex;
  }
  return steps;
}

export function evaluateJsonPath(value: unknown, path: string): { found: true; value: unknown } | { found: false } {
  let current = value;
  for (const step of parseJsonPath(path)) {
    if ('index' in step) {
      if (!Array.isArray(current) || step.index >= current.length) return { found: false };
      current = current[step.index];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, step.key)) return { found: false };
      current = (current as Record<string, unknown>)[step.key];
    }
  }
  return { found: true, value: current };
}

/** What did not hold, one line each; empty when the answer meets every expectation. */
export function evaluateResponse(expect: ProxyExpectation, response: HttpResponse): string[] {
  const problems: string[] = [];
  if (!expect.status.includes(response.status)) problems.push(`status ${response.status}, expected ${expect.status.join(' or ')}`);
  for (const [name, expected] of Object.entries(expect.headers)) {
    const actual = response.headers.get(name);
    if (actual === null) problems.push(`header ${name} missing, expected ${expected}`);
    else if (isRegexForm(expected) ? !new RegExp(expected.slice(1, -1)).test(actual) : actual !== expected) {
      problems.push(`header ${name} is ${JSON.stringify(actual)}, expected ${expected}`);
    }
  }
  if (expect.body !== undefined && !new RegExp(expect.body).test(response.body)) problems.push(`body does not match /${expect.body}/`);
  const paths = Object.entries(expect.json);
  if (paths.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      problems.push('body is not JSON, so no JSON path can hold');
      return problems;
    }
    for (const [path, expected] of paths) {
      const result = evaluateJsonPath(parsed, path);
      if (!result.found) problems.push(`${path} not found, expected ${JSON.stringify(expected)}`);
      else if (!isDeepStrictEqual(result.value, expected)) problems.push(`${path} is ${JSON.stringify(result.value)}, expected ${JSON.stringify(expected)}`);
    }
  }
  return problems;
}

/** Header values that may be credentials are shown as *** in reports. */
const SENSITIVE = /auth|key|token|secret|cookie|password|session/i;

function showHeaders(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${SENSITIVE.test(name) ? '***' : value}`)
    .join('\n');
}

function describeRequest(spec: ProxyRequestSpec, url: string): string {
  const head = [`${spec.method} ${url}`];
  if (spec.host !== undefined) head.push(`Host: ${spec.host}`);
  const headers = showHeaders(spec.headers);
  if (headers !== '') head.push(headers);
  if (spec.body !== undefined) head.push('', spec.body.slice(0, 500));
  return head.join('\n');
}

function describeResponse(response: HttpResponse): string {
  const headers: string[] = [];
  response.headers.forEach((value, name) => headers.push(`${name}: ${SENSITIVE.test(name) ? '***' : value}`));
  const body = response.body.length > 1000 ? `${response.body.slice(0, 1000)}… (${response.body.length} bytes)` : response.body;
  return [`HTTP ${response.status} (${response.elapsedMs.toFixed(0)} ms)`, ...headers, '', body].join('\n');
}

function fence(text: string): string {
  return `\`\`\`\n${text.replace(/```/g, '`\u200b``')}\n\`\`\``;
}

/** Sends each request to `proxyUrl` one after another and checks its answer. */
export async function runProxyChecks(proxyUrl: string, specs: readonly ProxyRequestSpec[], timeoutMs: number): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const spec of specs) {
    const url = `${proxyUrl}${spec.path}`;
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.host !== undefined) headers.host = spec.host;
    const expected = [`status ${spec.expect.status.join('|')}`];
    if (Object.keys(spec.expect.headers).length > 0) expected.push(`headers ${Object.keys(spec.expect.headers).join(', ')}`);
    if (spec.expect.body !== undefined) expected.push(`body /${spec.expect.body}/`);
    for (const path of Object.keys(spec.expect.json)) expected.push(path);
    const base = { name: `proxy:${spec.name}`, group: 'proxy' as const, threshold: expected.join('; ') };
    let response: HttpResponse;
    try {
      response = await httpRequest({ method: spec.method, url, headers, body: spec.body, timeoutMs }, 'proxy');
    } catch (error) {
      results.push(
        fail({
          ...base,
          measured: null,
          details: `${spec.method} ${spec.path}${spec.host === undefined ? '' : ` (Host ${spec.host})`}: ${errorMessage(error)}`,
          evidence: `Request:\n${fence(describeRequest(spec, url))}\nNo response: ${errorMessage(error)}`,
        }),
      );
      continue;
    }
    const problems = evaluateResponse(spec.expect, response);
    const measured = `HTTP ${response.status}`;
    if (problems.length === 0) {
      results.push(pass({ ...base, measured, details: `${spec.method} ${spec.path}: HTTP ${response.status} in ${response.elapsedMs.toFixed(0)} ms` }));
    } else {
      results.push(
        fail({
          ...base,
          measured,
          details: `${spec.method} ${spec.path}${spec.host === undefined ? '' : ` (Host ${spec.host})`}: ${problems.join('; ')}`,
          evidence: `Request:\n${fence(describeRequest(spec, url))}\nResponse:\n${fence(describeResponse(response))}`,
        }),
      );
    }
  }
  return results;
}
