// A minimal evaluator of GitHub Actions `${{ }}` expressions: enough of the language for the
// example workflows, with GitHub's semantics where they differ from JavaScript's, because a
// workflow that works here must work on the runner:
//   - `a && b` / `a || b` return an operand, not a boolean (the `cond && x || y` idiom relies on it),
//   - `==` compares strings case-insensitively and otherwise converts both sides to numbers,
//   - property names are looked up case-insensitively (`secrets.kong_token` finds KONG_TOKEN),
//   - a missing property is null, never an error.
// Anything outside that subset (object filters `.*`, hashFiles) throws, naming the expression, so
// a workflow cannot silently evaluate differently from GitHub.

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  always(): boolean;
  cancelled(): boolean;
}

export interface EvaluationContext {
  /** Top-level named contexts: github, inputs, env, secrets, vars, steps, needs, runner, matrix, job. */
  readonly contexts: Readonly<Record<string, Value>>;
  readonly status?: StatusFunctions;
}

export class ExpressionError extends Error {}

type Token =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'ident'; value: string }
  | { kind: 'op'; value: string };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', ','];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      // GitHub escapes a quote inside a string literal by doubling it.
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new ExpressionError(`unterminated string in: ${source}`);
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += source[i];
        i++;
      }
      tokens.push({ kind: 'str', value });
      continue;
    }
    const number = /^(0x[0-9a-fA-F]+|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(source.slice(i));
    if (number && (c !== '-' || tokens.length === 0 || tokens[tokens.length - 1]!.kind === 'op')) {
      tokens.push({ kind: 'num', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', value: ident[0] });
      i += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
    if (op) {
      tokens.push({ kind: 'op', value: op });
      i += op.length;
      continue;
    }
    throw new ExpressionError(`unexpected '${c}' in: ${source}`);
  }
  return tokens;
}

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'context'; name: string }
  | { kind: 'property'; object: Node; key: Node }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node };

/** Precedence climbing over GitHub's operators: ! > comparison > == != > && > ||. */
class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parse(): Node {
    const node = this.or();
    if (this.pos < this.tokens.length) throw this.error('unexpected token');
    return node;
  }

  private peekOp(...ops: string[]): string | undefined {
    const t = this.tokens[this.pos];
    return t?.kind === 'op' && ops.includes(t.value) ? t.value : undefined;
  }

  private expectOp(op: string): void {
    if (!this.peekOp(op)) throw this.error(`expected '${op}'`);
    this.pos++;
  }

  private error(message: string): ExpressionError {
    return new ExpressionError(`${message} at token ${this.pos} in: ${this.source}`);
  }

  private or(): Node {
    let left = this.and();
    while (this.peekOp('||')) {
      this.pos++;
      left = { kind: 'binary', op: '||', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.equality();
    while (this.peekOp('&&')) {
      this.pos++;
      left = { kind: 'binary', op: '&&', left, right: this.equality() };
    }
    return left;
  }

  private equality(): Node {
    let left = this.comparison();
    for (let op = this.peekOp('==', '!='); op; op = this.peekOp('==', '!=')) {
      this.pos++;
      left = { kind: 'binary', op, left, right: this.comparison() };
    }
    return left;
  }

  private comparison(): Node {
    let left = this.unary();
    for (let op = this.peekOp('<', '<=', '>', '>='); op; op = this.peekOp('<', '<=', '>', '>=')) {
      this.pos++;
      left = { kind: 'binary', op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.peekOp('!')) {
      this.pos++;
      return { kind: 'not', operand: this.unary() };
    }
    return this.postfix();
  }

  private postfix(): Node {
    let node = this.primary();
    for (;;) {
      if (this.peekOp('.')) {
        this.pos++;
        const t = this.tokens[this.pos];
        if (t?.kind === 'op' && t.value === '*') throw this.error('object filters (.*) are not supported');
        if (t?.kind !== 'ident') throw this.error('expected a property name');
        this.pos++;
        node = { kind: 'property', object: node, key: { kind: 'literal', value: t.value } };
      } else if (this.peekOp('[')) {
        this.pos++;
        const key = this.or();
        this.expectOp(']');
        node = { kind: 'property', object: node, key };
      } else {
        return node;
      }
    }
  }

  private primary(): Node {
    const t = this.tokens[this.pos];
    if (!t) throw this.error('unexpected end');
    this.pos++;
    if (t.kind === 'num' || t.kind === 'str') return { kind: 'literal', value: t.value };
    if (t.kind === 'op') {
      if (t.value === '(') {
        const inner = this.or();
        this.expectOp(')');
        return inner;
      }
      throw this.error(`unexpected '${t.value}'`);
    }
    if (t.value === 'true' || t.value === 'false') return { kind: 'literal', value: t.value === 'true' };
    if (t.value === 'null') return { kind: 'literal', value: null };
    if (this.peekOp('(')) {
      this.pos++;
      const args: Node[] = [];
      if (!this.peekOp(')')) {
        for (;;) {
          args.push(this.or());
          if (this.peekOp(',')) {
            this.pos++;
            continue;
          }
          break;
        }
      }
      this.expectOp(')');
      return { kind: 'call', name: t.value.toLowerCase(), args };
    }
    return { kind: 'context', name: t.value };
  }
}

export function parseExpression(source: string): Node {
  return new Parser(tokenize(source), source).parse();
}

/** GitHub's truthiness: false, 0, -0, NaN, '' and null are falsy; arrays and objects truthy. */
export function truthy(value: Value): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value !== '';
  return true;
}

function toNumber(value: Value): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return Number.NaN;
}

function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' && a !== null) return a === b;
  if (typeof b === 'object' && b !== null) return false;
  if (a === null && b === null) return true;
  if (typeof a === typeof b) return a === b;
  return toNumber(a) === toNumber(b);
}

/** How a value becomes text inside `${{ }}` interpolation and in `with:`/`env:`. */
export function toText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

function lookup(object: Value, key: Value): Value {
  if (object === null || typeof object !== 'object') return null;
  if (Array.isArray(object)) {
    const index = toNumber(key);
    return Number.isInteger(index) ? (object[index] ?? null) : null;
  }
  const name = toText(key);
  if (Object.hasOwn(object, name)) return object[name] ?? null;
  const lower = name.toLowerCase();
  const found = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return found === undefined ? null : (object[found] ?? null);
}

function evaluateNode(node: Node, ctx: EvaluationContext): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'context': {
      const found = lookup(ctx.contexts as Value, node.name);
      if (found === null && !Object.keys(ctx.contexts).some((k) => k.toLowerCase() === node.name.toLowerCase())) {
        throw new ExpressionError(`unknown context '${node.name}'`);
      }
      return found;
    }
    case 'property':
      return lookup(evaluateNode(node.object, ctx), evaluateNode(node.key, ctx));
    case 'not':
      return !truthy(evaluateNode(node.operand, ctx));
    case 'binary': {
      if (node.op === '&&') {
        const left = evaluateNode(node.left, ctx);
        return truthy(left) ? evaluateNode(node.right, ctx) : left;
      }
      if (node.op === '||') {
        const left = evaluateNode(node.left, ctx);
        return truthy(left) ? left : evaluateNode(node.right, ctx);
      }
      const left = evaluateNode(node.left, ctx);
      const right = evaluateNode(node.right, ctx);
      if (node.op === '==') return looseEquals(left, right);
      if (node.op === '!=') return !looseEquals(left, right);
      if (typeof left === 'string' && typeof right === 'string') {
        const [a, b] = [left.toLowerCase(), right.toLowerCase()];
        return node.op === '<' ? a < b : node.op === '<=' ? a <= b : node.op === '>' ? a > b : a >= b;
      }
      const [a, b] = [toNumber(left), toNumber(right)];
      return node.op === '<' ? a < b : node.op === '<=' ? a <= b : node.op === '>' ? a > b : a >= b;
    }
    case 'call':
      return call(node.name, node.args, ctx);
  }
}

function call(name: string, argNodes: Node[], ctx: EvaluationContext): Value {
  const status = (): StatusFunctions => {
    if (!ctx.status) throw new ExpressionError(`${name}() is not available here`);
    return ctx.status;
  };
  if (name === 'success') return status().success();
  if (name === 'failure') return status().failure();
  if (name === 'always') return status().always();
  if (name === 'cancelled') return status().cancelled();
  const args = argNodes.map((arg) => evaluateNode(arg, ctx));
  const text = (i: number) => toText(args[i] ?? null);
  switch (name) {
    case 'contains': {
      const [haystack, needle] = [args[0] ?? null, args[1] ?? null];
      if (Array.isArray(haystack)) return haystack.some((item) => looseEquals(item, needle));
      return text(0).toLowerCase().includes(text(1).toLowerCase());
    }
    case 'startswith':
      return text(0).toLowerCase().startsWith(text(1).toLowerCase());
    case 'endswith':
      return text(0).toLowerCase().endsWith(text(1).toLowerCase());
    case 'format': {
      // `{0}` placeholders; `{{` and `}}` are literal braces.
      return text(0).replace(/\{\{|\}\}|\{(\d+)\}/g, (match, index: string | undefined) => {
        if (match === '{{') return '{';
        if (match === '}}') return '}';
        const i = Number(index) + 1;
        if (i >= args.length) throw new ExpressionError(`format: no argument {${index}}`);
        return text(i);
      });
    }
    case 'join': {
      const list = args[0] ?? null;
      const separator = args.length > 1 ? text(1) : ',';
      return Array.isArray(list) ? list.map(toText).join(separator) : toText(list);
    }
    case 'tojson':
      return JSON.stringify(args[0] ?? null, null, 2);
    case 'fromjson': {
      try {
        return JSON.parse(text(0)) as Value;
      } catch (error) {
        throw new ExpressionError(`fromJSON: ${(error as Error).message} in ${JSON.stringify(text(0))}`);
      }
    }
    default:
      throw new ExpressionError(`function ${name}() is not supported by the harness`);
  }
}

export function evaluate(source: string, ctx: EvaluationContext): Value {
  return evaluateNode(parseExpression(source), ctx);
}

/** True when the text holds a status function call, so `if:` is not wrapped in `success() &&`. */
export function hasStatusFunction(source: string): boolean {
  return /\b(success|failure|always|cancelled)\s*\(/i.test(source);
}

/**
 * Evaluates an `if:` value as the runner does: `${{ }}` around it is optional, and without a
 * status function the condition is `success() && (<it>)`.
 */
export function evaluateCondition(condition: unknown, ctx: EvaluationContext): boolean {
  if (condition === undefined || condition === null || condition === '') return truthy(call('success', [], ctx));
  if (typeof condition === 'boolean') return condition && truthy(call('success', [], ctx));
  let source = String(condition).trim();
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(source);
  if (whole && !whole[1]!.includes('}}')) source = whole[1]!.trim();
  const full = hasStatusFunction(source) ? source : `success() && (${source})`;
  return truthy(evaluate(full, ctx));
}

/**
 * Replaces every `${{ expr }}` in a string. A value that is exactly one expression keeps its type
 * (a `with:` of `${{ inputs.dry-run }}` is the boolean); mixed text becomes a string.
 */
export function interpolate(text: string, ctx: EvaluationContext): Value {
  const whole = /^\$\{\{((?:(?!\}\})[\s\S])*)\}\}$/.exec(text.trim());
  if (whole) return evaluate(whole[1]!, ctx);
  return text.replace(/\$\{\{((?:(?!\}\})[\s\S])*)\}\}/g, (_match, expr: string) => toText(evaluate(expr, ctx)));
}

/** interpolate() as text, for `with:`, `env:` and `run:`. */
export function interpolateText(value: unknown, ctx: EvaluationContext): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return toText(value as Value);
  return toText(interpolate(value, ctx));
}
