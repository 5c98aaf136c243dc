// Evaluates the `${{ }}` of a parsed workflow with GitHub's own evaluator (@actions/expressions),
// the way the runner does: a template token from @actions/workflow-parser (a literal, a mapping,
// a sequence or an expression; text with several `${{ }}` arrives as one `format(...)`) becomes a
// value. The harness only supplies what GitHub leaves to the host: the contexts, the status
// functions (success, failure, cancelled, always) and hashFiles.
import { createHash } from 'node:crypto';
import { existsSync, globSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import type { TemplateContext } from '@actions/workflow-parser/templates/template-context';
import { isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString } from '@actions/workflow-parser';
import type { BasicExpressionToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
}

export interface Scope {
  /** The named contexts visible where the token stands (github, inputs, env, steps, ...). */
  readonly contexts: Readonly<Record<string, Value>>;
  /** Present where GitHub allows the status functions (job and step `if:`). */
  readonly status?: StatusFunctions;
  /** GITHUB_WORKSPACE, where GitHub allows hashFiles (steps). */
  readonly workspace?: string;
  /** The parse's file table, to name file, line and column in an error. */
  readonly files?: TemplateContext;
}

/** An expression that failed to evaluate, located as the parser locates its errors. */
export class EvaluationError extends Error {}

/** Any token to a value: mappings and sequences recursively, expressions evaluated. */
export function evaluateToken(token: TemplateToken, scope: Scope): Value {
  if (isBasicExpression(token)) return fromData(evaluateAt(token, scope));
  if (isString(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isSequence(token)) return [...token].map((item) => evaluateToken(item, scope));
  if (isMapping(token)) {
    const result: Record<string, Value> = {};
    for (const { key, value } of token) result[textOf(evaluateToken(key, scope), key, scope)] = evaluateToken(value, scope);
    return result;
  }
  if (token.isExpression) throw located(token, scope, 'the harness does not evaluate ${{ insert }} directives');
  return null;
}

/** A scalar where the runner wants a string (an input, an env value, a name): null is ''. */
export function evaluateText(token: TemplateToken, scope: Scope): string {
  return textOf(evaluateToken(token, scope), token, scope);
}

/** A mapping of strings (`with:`, `env:`, `outputs:`), keys as written. */
export function evaluateStrings(token: TemplateToken | undefined, scope: Scope): Record<string, string> {
  const result: Record<string, string> = {};
  if (!token) return result;
  if (!isMapping(token)) throw located(token, scope, `expected a mapping, got ${describe(evaluateToken(token, scope))}`);
  for (const { key, value } of token) result[evaluateText(key, scope)] = evaluateText(value, scope);
  return result;
}

/** An `if:` (the parser has already added `success() &&` where no status function is called). */
export function evaluateCondition(token: BasicExpressionToken, scope: Scope): boolean {
  return truthy(evaluateAt(token, scope));
}

/** How a value reads as text in GitHub's expressions (format(), string inputs). */
export function toText(value: Value): string {
  return toData(value).coerceString();
}

function evaluateAt(token: BasicExpressionToken, scope: Scope): data.ExpressionData {
  try {
    return evaluateExpression(token.expression, scope);
  } catch (error) {
    throw located(token, scope, (error as Error).message);
  }
}

function evaluateExpression(expression: string, scope: Scope): data.ExpressionData {
  const functions = hostFunctions(scope);
  const tree = new Parser(new Lexer(expression).lex().tokens, Object.keys(scope.contexts), [...functions.values()]).parse();
  const contexts = new data.Dictionary(...Object.entries(scope.contexts).map(([key, value]) => ({ key, value: toData(value) })));
  return new Evaluator(tree, contexts, functions).evaluate();
}

function hostFunctions(scope: Scope): Map<string, FunctionDefinition> {
  const functions = new Map<string, FunctionDefinition>();
  const status = scope.status;
  if (status) {
    const define = (name: string, call: () => boolean) => functions.set(name, { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(call()) });
    define('success', () => status.success());
    define('failure', () => status.failure());
    define('cancelled', () => status.cancelled());
    define('always', () => true);
  }
  const workspace = scope.workspace;
  if (workspace !== undefined) {
    functions.set('hashfiles', {
      name: 'hashFiles', minArgs: 1, maxArgs: 255,
      call: (...patterns) => new data.StringData(hashFiles(workspace, patterns.map((p) => p.coerceString()))),
    });
  }
  return functions;
}

/**
 * hashFiles as the runner computes it (actions/runner, src/Misc/expressionFunc/hashFiles): the
 * patterns, `!` excluding, matched from GITHUB_WORKSPACE; a matched directory stands for the files
 * under it (@actions/glob's implicit descendants); files outside the workspace and directories are
 * skipped; the SHA-256 of each file's SHA-256 in turn; '' when nothing matches. The runner hashes
 * in the order its directory walk finds the files; here in path order, so a run is reproducible.
 */
export function hashFiles(workspace: string, patterns: readonly string[]): string {
  const root = path.resolve(workspace);
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const expand = (pattern: string) => globSync(pattern, { cwd: root }).map((match) => path.resolve(root, match)).flatMap((match) => (statSync(match).isDirectory() ? [match, ...filesBelow(match)] : [match]));
  const excluded = new Set(exclude.flatMap(expand));
  const files = [...new Set(include.flatMap(expand))]
    .filter((file) => !excluded.has(file) && file.startsWith(`${root}${path.sep}`) && existsSync(file) && !statSync(file).isDirectory())
    .sort();
  if (files.length === 0) return '';
  const result = createHash('sha256');
  for (const file of files) result.update(createHash('sha256').update(readFileSync(file)).digest());
  return result.digest('hex');
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((entry) => path.join(dir, entry));
}

function toData(value: Value): data.ExpressionData {
  return JSON.parse(JSON.stringify(value), data.reviver) as data.ExpressionData;
}

function fromData(value: data.ExpressionData): Value {
  return JSON.parse(JSON.stringify(value, data.replacer)) as Value;
}

function textOf(value: Value, token: TemplateToken, scope: Scope): string {
  if (value !== null && typeof value === 'object') throw located(token, scope, `expected a string, got ${describe(value)}`);
  return toText(value);
}

function describe(value: Value): string {
  return Array.isArray(value) ? 'a sequence' : value !== null && typeof value === 'object' ? 'a mapping' : JSON.stringify(value);
}

function located(token: TemplateToken, scope: Scope, message: string): EvaluationError {
  const file = token.file === undefined ? undefined : scope.files?.getFileName(token.file);
  const where = [file, token.line === undefined ? undefined : `(Line: ${token.line}, Col: ${token.col})`].filter(Boolean).join(' ');
  return new EvaluationError(where ? `${where}: ${message}` : message);
}
