import { describe, expect, it } from 'vitest';
import { evaluate, evaluateCondition, interpolate, interpolateText, type EvaluationContext } from './expressions.js';

const ctx = (status: Partial<Record<'success' | 'failure', boolean>> = {}): EvaluationContext => ({
  contexts: {
    inputs: { to: '3.4.2', 'dry-run': false, strategy: 'Blue-Green', empty: '' },
    vars: { KONG_ADMIN_URL: 'http://127.0.0.1:8001' },
    secrets: { KONG_TOKEN: 's3cret' },
    env: { STRATEGY: 'dual-cluster' },
    steps: { plan: { outputs: { hops: '[{"from":"2.8.5","to":"3.4.2"}]', 'hop-count': '1' }, outcome: 'success' } },
    needs: { plan: { outputs: { strategy: 'in-place' }, result: 'success' } },
  },
  status: {
    success: () => status.success ?? true,
    failure: () => status.failure ?? false,
    always: () => true,
    cancelled: () => false,
  },
});

describe('expressions', () => {
  it('reads contexts, hyphenated names and indexes; a missing property is null', () => {
    expect(evaluate('inputs.to', ctx())).toBe('3.4.2');
    expect(evaluate('inputs.dry-run', ctx())).toBe(false);
    expect(evaluate("steps.plan.outputs['hop-count']", ctx())).toBe('1');
    expect(evaluate('needs.plan.outputs.strategy', ctx())).toBe('in-place');
    expect(evaluate('needs.plan.outputs.nothing', ctx())).toBe(null);
    expect(evaluate('secrets.kong_token', ctx())).toBe('s3cret'); // case-insensitive, like GitHub
    expect(() => evaluate('nosuch.thing', ctx())).toThrow(/unknown context 'nosuch'/);
  });

  it('&& and || return an operand, which makes the ternary idiom work', () => {
    expect(evaluate("env.STRATEGY == 'dual-cluster' && 'green' || 'blue'", ctx())).toBe('green');
    expect(evaluate("env.STRATEGY == 'in-place' && 'green' || 'blue'", ctx())).toBe('blue');
    expect(evaluate("inputs.empty || 'default'", ctx())).toBe('default');
    expect(evaluate('!inputs.dry-run', ctx())).toBe(true);
  });

  it('== is case-insensitive on strings and numeric across types', () => {
    expect(evaluate("inputs.strategy == 'blue-green'", ctx())).toBe(true);
    expect(evaluate("steps.plan.outputs.hop-count == 1", ctx())).toBe(true);
    expect(evaluate("inputs.to != '3.4.2'", ctx())).toBe(false);
    expect(evaluate('null == 0', ctx())).toBe(true);
    expect(evaluate("'' == false", ctx())).toBe(true);
  });

  it('fromJSON, format, contains, join, toJSON', () => {
    expect(evaluate('fromJSON(steps.plan.outputs.hops)[0].to', ctx())).toBe('3.4.2');
    expect(evaluate("fromJSON('\"ubuntu-latest\"')", ctx())).toBe('ubuntu-latest');
    expect(evaluate("format('kong-{0}-{1} {{x}}', inputs.to, 'a')", ctx())).toBe('kong-3.4.2-a {x}');
    expect(evaluate("contains(fromJSON('[\"a\",\"b\"]'), 'B')", ctx())).toBe(true);
    expect(evaluate("join(fromJSON('[1,2]'), '+')", ctx())).toBe('1+2');
    expect(() => evaluate("fromJSON('{no')", ctx())).toThrow(/fromJSON/);
    expect(() => evaluate("hashFiles('x')", ctx())).toThrow(/not supported/);
  });

  it('if: adds success() unless a status function is used; ${{ }} around it is optional', () => {
    expect(evaluateCondition("needs.plan.outputs.strategy == 'in-place'", ctx())).toBe(true);
    expect(evaluateCondition("${{ needs.plan.outputs.strategy == 'in-place' }}", ctx({ success: false, failure: true }))).toBe(false);
    expect(evaluateCondition('always()', ctx({ success: false, failure: true }))).toBe(true);
    expect(evaluateCondition('failure()', ctx({ success: false, failure: true }))).toBe(true);
    expect(evaluateCondition('${{ !inputs.dry-run }}', ctx())).toBe(true);
    expect(evaluateCondition(undefined, ctx({ success: false }))).toBe(false);
  });

  it('interpolation keeps a whole expression\'s type and stringifies inside text', () => {
    expect(interpolate('${{ inputs.dry-run }}', ctx())).toBe(false);
    expect(interpolateText('${{ inputs.dry-run }}', ctx())).toBe('false');
    expect(interpolateText('kong-${{ inputs.to }}-${{ vars.KONG_ADMIN_URL }}', ctx())).toBe('kong-3.4.2-http://127.0.0.1:8001');
    expect(interpolateText("${{ 'it''s' }}", ctx())).toBe("it's");
    expect(interpolateText(true, ctx())).toBe('true');
  });
});
