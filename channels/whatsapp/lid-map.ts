/**
 * The LID <-> phone table of one number. WhatsApp addresses many chats by LID (a private id)
 * and tells us the phone behind it only sometimes (`remoteJidAlt`, `lid-mapping.update`, a
 * history sync). Each pair learned is kept in the channel state (`lid:<lid>` -> phone JID) and
 * joins the contacts met under either form (ctx.linkIdentities). The decisions are pure and
 * exported; `createLidMap` holds the table.
 */
import type { ChannelContext } from '../../src/channel/contract.js';
import type { Address } from '../../src/domain/model.js';
import { jidKind, normalizeJid, toE164 } from '../whatsapp-shared/phone.js';

export const LID_PREFIX = 'lid:';

export interface LidPair {
  lid: string;
  pn: string;
}

/** A pair worth remembering: both present, a LID and a phone JID, not already known as such. */
export function mappingToLearn(
  lid: string | undefined,
  pn: string | undefined,
  known: (lid: string) => string | undefined,
): LidPair | undefined {
  if (!lid || !pn) return undefined;
  const l = normalizeJid(lid);
  const p = normalizeJid(pn);
  if (jidKind(l) !== 'lid' || jidKind(p) !== 'user' || known(l) === p) return undefined;
  return { lid: l, pn: p };
}

/** The identities one person has once a pair is known: phone JID, LID and E.164 phone. */
export function identitiesOfPair(pair: LidPair): Address[] {
  const e164 = toE164(pair.pn);
  return [
    { kind: 'whatsapp', address: pair.pn },
    { kind: 'whatsapp_lid', address: pair.lid },
    ...(e164 ? [{ kind: 'phone' as const, address: e164 }] : []),
  ];
}

export interface HistoryContact {
  id?: string | null;
  lid?: string | null;
  phoneNumber?: string | null;
}

/** A history-sync contact's pair: explicit fields first, else what its id is. */
export function pairOfContact(c: HistoryContact): { lid: string | undefined; pn: string | undefined } {
  const lid = c.lid ?? (c.id && jidKind(c.id) === 'lid' ? c.id : undefined);
  const pn = c.phoneNumber ?? (c.id && jidKind(c.id) === 'user' ? c.id : undefined);
  return { lid: lid ?? undefined, pn: pn ?? undefined };
}

export interface LidMap {
  /** Loads the stored table (start()). */
  load(): Promise<void>;
  lookup(lid: string): string | undefined;
  /** Remembers a pair (stored, identities joined); ignores anything that is not a new pair. */
  remember(lid: string | undefined, pn: string | undefined): Promise<void>;
}

export function createLidMap(ctx: Pick<ChannelContext, 'state' | 'linkIdentities'>): LidMap {
  const lidToPn = new Map<string, string>();
  const lookup = (lid: string): string | undefined => lidToPn.get(lid);
  return {
    lookup,
    async load() {
      const keys = await ctx.state.keys(LID_PREFIX);
      const rows = await ctx.state.getMany<string>(keys);
      for (const [k, v] of rows) if (typeof v === 'string') lidToPn.set(k.slice(LID_PREFIX.length), v);
    },
    async remember(lid, pn) {
      const pair = mappingToLearn(lid, pn, lookup);
      if (!pair) return;
      lidToPn.set(pair.lid, pair.pn);
      await ctx.state.set(LID_PREFIX + pair.lid, pair.pn);
      // The same person may already be two contacts (one met by LID, one by phone): join them.
      await ctx.linkIdentities(identitiesOfPair(pair));
    },
  };
}
