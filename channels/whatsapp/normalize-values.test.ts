import { deliveryFromStatus, toNumber } from './normalize-values.js';

describe('scalars in both serializations', () => {
  test.each([
    [1779123731, 1779123731],
    ['1779123731', 1779123731],
    [{ low: 1779123731, high: 0, unsigned: true }, 1779123731],
    [{ low: -1, high: 0, unsigned: true }, 4294967295],
    [{ toNumber: () => 42 }, 42],
    [BigInt(7), 7],
    ['abc', undefined],
    [null, undefined],
  ])('toNumber(%p) = %p', (input, expected) => {
    expect(toNumber(input)).toBe(expected);
  });

  test.each([
    [2, 'sent'],
    ['SERVER_ACK', 'sent'],
    [3, 'delivered'],
    ['DELIVERY_ACK', 'delivered'],
    [4, 'read'],
    [5, 'read'],
    ['PLAYED', 'read'],
    [0, 'failed'],
    ['ERROR', 'failed'],
    [1, undefined],
    ['PENDING', undefined],
  ])('status %p -> %p', (input, expected) => {
    expect(deliveryFromStatus(input)).toBe(expected);
  });
});
