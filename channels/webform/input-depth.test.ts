import { depthExceeds, tooDeepField } from './input-depth.js';

describe('input depth', () => {
  const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

  it('counts containers, not scalars', () => {
    expect(depthExceeds('text', 0)).toBe(false);
    expect(depthExceeds(['a'], 1)).toBe(false);
    expect(depthExceeds([['a']], 1)).toBe(true);
    expect(depthExceeds({ a: { b: 1 } }, 2)).toBe(false);
    expect(depthExceeds({ a: { b: {} } }, 2)).toBe(true);
  });

  it('names the field of a 50,000-deep value without overflowing the stack', () => {
    expect(tooDeepField({ nome: 'Maria', website: nested(50_000) }, 8)).toBe('website');
    expect(tooDeepField({ nome: 'Maria', anexos: ['a', 'b'] }, 8)).toBeUndefined();
  });
});
