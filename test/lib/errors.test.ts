import { describe, expect, it } from 'vitest';
import { UpgradeError, errorMessage, inputError, stepError } from '../../src/lib/errors.js';

describe('errors', () => {
  it('names the input in an input error', () => {
    const error = inputError('kong-version', 'is required');
    expect(error).toBeInstanceOf(UpgradeError);
    expect(error.message).toBe("input 'kong-version': is required");
    expect(error.origin).toEqual({ input: 'kong-version' });
  });

  it('names the step in a step error and keeps the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = stepError('backup database', 'pg_dump exited 1', cause);
    expect(error.message).toBe('backup database: pg_dump exited 1');
    expect(error.origin).toEqual({ step: 'backup database' });
    expect(error.cause).toBe(cause);
  });

  it('has no cause when none is given', () => {
    expect('cause' in stepError('s', 'd')).toBe(false);
  });

  it('turns any thrown value into one line', () => {
    expect(errorMessage(inputError('timeout', 'bad'))).toBe("input 'timeout': bad");
    expect(errorMessage(new TypeError('x is undefined'))).toBe('unexpected TypeError: x is undefined');
    expect(errorMessage('boom')).toBe('unexpected failure: boom');
  });
});
