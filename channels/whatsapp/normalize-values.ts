/**
 * Scalars of a Baileys payload in either serialization, read the same way. Pure.
 *
 * Payloads come in two shapes and both are accepted: in-process (Uint8Array bytes, Long 64-bit
 * ints, numeric enums) and JSON-serialized (base64 strings, decimal strings, enum names).
 */
import type { DeliveryStatus } from '../../src/domain/model.js';

/** number | decimal string | Long ({low, high, unsigned}) -> number. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (value && typeof value === 'object') {
    const l = value as { low?: unknown; high?: unknown; unsigned?: unknown; toNumber?: () => number };
    if (typeof l.toNumber === 'function') return l.toNumber();
    if (typeof l.low === 'number' && typeof l.high === 'number') return l.high * 2 ** 32 + (l.low >>> 0);
  }
  return undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function obj(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const STATUS_NAMES = ['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED'] as const;

/** WebMessageInfo.Status (number or enum name) -> our delivery status; PENDING -> undefined. */
export function deliveryFromStatus(value: unknown): DeliveryStatus | undefined {
  const n = typeof value === 'string' ? STATUS_NAMES.indexOf(value as (typeof STATUS_NAMES)[number]) : toNumber(value);
  switch (n) {
    case 0:
      return 'failed';
    case 2:
      return 'sent';
    case 3:
      return 'delivered';
    case 4:
    case 5:
      return 'read';
    default:
      return undefined;
  }
}

export function enumIs(value: unknown, name: string, num: number): boolean {
  return value === name || toNumber(value) === num;
}
