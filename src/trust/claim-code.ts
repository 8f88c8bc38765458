/**
 * One-time codes that let a requester prove an identity typed on their ticket (a form's phone):
 * the code goes to the requester on their own channel, and must come back from the claimed
 * identity over a channel that proves it (WhatsApp proves a phone). Whoever sends it back holds
 * both. Pure.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../db/database.js';
import type { Ticket } from '../domain/ticket.js';

export type ClaimCodeResult =
  | { ok: true; channelId: string; to: string; expiresAt: number }
  | { ok: false; reason: 'unknown_claim' | 'already_linked' | 'no_channel' };

/** Queues the code for a claim of the ticket (automation renders it; src/automation/automation.ts). */
export type ClaimCodeSender = (db: Executor, ticket: Ticket, claimId: string, now: number) => Promise<ClaimCodeResult>;

export const CLAIM_CODE_TTL_MS = 24 * 3600_000;
/** Wrong codes before a code is void (six digits, five guesses: 1 in 200,000). */
export const CLAIM_CODE_MAX_ATTEMPTS = 5;

export function newClaimCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function hashClaimCode(claimId: string, code: string): string {
  return createHash('sha256').update(`ponte-claim:${claimId}:${code}`).digest('hex');
}

/** Six-digit groups near the start of a reply (someone may write "o código é 123 456"). Linear. */
export function codesIn(text: string): string[] {
  const head = text.slice(0, 500);
  const out = new Set<string>();
  for (const m of head.matchAll(/(?<!\d)(\d{3})[ .-]?(\d{3})(?!\d)/g)) out.add(m[1]! + m[2]!);
  return [...out].slice(0, 5);
}

export function codeMatches(claimId: string, codeHash: string, candidates: string[]): boolean {
  const expected = Buffer.from(codeHash, 'hex');
  let ok = false;
  for (const c of candidates) {
    const got = Buffer.from(hashClaimCode(claimId, c), 'hex');
    if (got.length === expected.length && timingSafeEqual(got, expected)) ok = true;
  }
  return ok;
}
