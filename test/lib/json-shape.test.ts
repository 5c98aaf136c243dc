// The one mechanism every JSON contract is read through: the error names the input, the file
// and each wrong field; the `schema` id picks the contract.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkContract, listOf, object, oneOf, optional, readContract, text, wholeNumber, type Contract } from '../../src/lib/json-shape.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'json-shape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REPORT: Contract = {
  schema: 'test/report@1',
  name: 'report',
  shape: object({ items: listOf(object({ name: text(), status: oneOf(['pass', 'fail']) })), size: optional(wholeNumber(0)) }),
};
const OTHER: Contract = { schema: 'test/other@1', name: 'other', shape: object({ id: text() }) };

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('JSON contracts', () => {
  it('accept what the shape allows, fields it does not name included', () => {
    const data = { schema: 'test/report@1', items: [{ name: 'a', status: 'pass', extra: 1 }], later: true };
    expect(checkContract(data, 'r.json', 'report-input', [REPORT])).toBe(data);
  });

  it('name the input, the file and every wrong field, a missing list among them', () => {
    expect(message(() => checkContract({ schema: 'test/report@1', size: -1 }, 'r.json', 'report-input', [REPORT]))).toBe(
      "input 'report-input': r.json is not a report: items is undefined, expected an array; size -1 is not 0 or more",
    );
    expect(message(() => checkContract({ schema: 'test/report@1', items: [{ name: 3, status: 'maybe' }] }, 'r.json', 'report-input', [REPORT]))).toBe(
      'input \'report-input\': r.json is not a report: items[0].name is number, expected a string; items[0].status "maybe" is not one of pass, fail',
    );
  });

  it('pick the contract by schema, and name the ones expected when none matches', () => {
    expect(checkContract({ schema: 'test/other@1', id: 'x' }, 'o.json', 'in', [REPORT, OTHER])).toEqual({ schema: 'test/other@1', id: 'x' });
    expect(message(() => checkContract({ schema: 'test/else@1' }, 'o.json', 'in', [REPORT, OTHER]))).toBe(
      'input \'in\': o.json has schema "test/else@1"; expected "test/report@1" or "test/other@1"',
    );
    expect(message(() => checkContract({ schema: 'test/else@1' }, 'o.json', 'in', [REPORT]))).toBe(
      'input \'in\': o.json is not a report: schema is "test/else@1", expected "test/report@1"',
    );
    expect(message(() => checkContract([1], 'o.json', 'in', [REPORT]))).toBe("input 'in': o.json is not a report: it is array, expected an object");
  });

  it('read the file: a missing one and one that is not JSON name the input', async () => {
    await expect(readContract(path.join(dir, 'none.json'), 'in', [REPORT])).rejects.toThrow(/^input 'in': cannot read ".*none\.json": ENOENT$/);
    writeFileSync(path.join(dir, 'bad.json'), '{"schema": ');
    await expect(readContract(path.join(dir, 'bad.json'), 'in', [REPORT])).rejects.toThrow(/^input 'in': .*bad\.json is not JSON$/);
  });
});
