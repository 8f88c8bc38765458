import { defaultPoolSize } from './parse-pool.js';

describe('defaultPoolSize', () => {
  it('leaves a core to the main thread, with at least one and at most two workers', () => {
    expect([1, 2, 3, 4, 16].map((cpus) => defaultPoolSize(cpus))).toEqual([1, 1, 2, 2, 2]);
  });
});
