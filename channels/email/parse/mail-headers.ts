/**
 * Header-level rules of the parse: message ids, thread references, addresses. Pure; every
 * regex is linear (no nested quantifiers) and runs over a capped slice of the header.
 */
import { createHash } from 'node:crypto';
import type { MimeAddress } from './mailparser-adapter.js';

const MAX_REFERENCES = 50;

export function stripBrackets(id: string): string {
  return id
    .trim()
    .replace(/^<+|>+$/gu, '')
    .trim();
}

/** The stable external id of a mail without a usable Message-ID: a hash of its bytes. */
export function syntheticId(raw: Buffer): string {
  return `sha256-${createHash('sha256').update(raw).digest('hex')}@ponte.invalid`;
}

/** Normalizes an address for comparisons: lower-case, "+tag" removed from the local part. */
export function baseAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 0) return lower;
  const local = lower.slice(0, at).split('+')[0];
  return `${local}${lower.slice(at)}`;
}

export function toAddress(a: MimeAddress): { kind: 'email'; address: string; displayName?: string } {
  const out: { kind: 'email'; address: string; displayName?: string } = {
    kind: 'email',
    address: a.address.trim().toLowerCase().slice(0, 320),
  };
  const name = a.name.trim();
  if (name && name.toLowerCase() !== out.address) out.displayName = name.slice(0, 200);
  return out;
}

/** In-Reply-To first, then References newest-first; brackets stripped, deduplicated, capped. */
export function threadReferences(inReplyTo: string | undefined, references: string[]): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  const add = (raw: string): void => {
    const id = stripBrackets(raw);
    if (!id || id.length > 998 || seen.has(id) || ids.length >= MAX_REFERENCES) return;
    seen.add(id);
    ids.push(id);
  };
  for (const m of (inReplyTo ?? '').match(/<[^<>]+>/gu) ?? (inReplyTo ? [inReplyTo] : [])) add(m);
  for (let i = references.length - 1; i >= 0; i--) add(references[i]!);
  return ids;
}

export function headerValue(headers: Map<string, string[]>, name: string): string | undefined {
  return headers.get(name)?.[0]?.trim() || undefined;
}

/** A From mailparser could not read: the first address in Sender, Return-Path or Reply-To. */
export function fallbackFrom(headers: Map<string, string[]>): MimeAddress {
  for (const name of ['sender', 'return-path', 'reply-to']) {
    const m = /(?<![^\s<>"@])[^\s<>"@]+@[^\s<>"@]+/u.exec((headerValue(headers, name) ?? '').slice(0, 2000));
    if (m) return { address: m[0], name: '' };
  }
  return { address: 'unknown@unknown.invalid', name: '' };
}

/** Loop signals a mail carries by itself (our Message-ID is checked later, where the key is). */
export function loopSignals(
  from: string,
  headers: Map<string, string[]>,
  supportAddresses: readonly string[],
): { fromSelf: boolean; xLoop: boolean } {
  const ours = new Set(supportAddresses.map(baseAddress));
  const fromSelf = ours.has(baseAddress(from));
  const xLoop = (headers.get('x-loop') ?? []).some((v) => {
    const lower = v.toLowerCase();
    return [...ours].some((a) => lower.includes(a)) || supportAddresses.some((a) => lower.includes(a.toLowerCase()));
  });
  return { fromSelf, xLoop };
}
