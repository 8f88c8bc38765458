/**
 * Step 2, contact: who wrote. Identity comes from proof: aliases join the contact only when the
 * channel proved them (a WhatsApp LID beside its phone); a form's second identity is only a
 * claim on the ticket. Decides `knownContactsOnly` before the contact is made, then finds or
 * creates the contact.
 */
import type { Executor } from '../../db/database.js';
import {
  addIdentities,
  anyHasEmailIdentity,
  createContact,
  findContactIdsByIdentities,
  setContactNameIfMissing,
} from '../../db/repositories/contact.repository.js';
import type { Address } from '../../domain/model.js';
import { proveClaimByCode } from '../../trust/claim-proof.js';
import type { Arrival } from './arrival.js';

export interface Sender {
  /** The channel proved something about the sender. */
  proven: boolean;
  /** The sender's own identities (from, and its proven aliases), normalized; never empty. */
  identities: Address[];
  /** Identities the sender only claims: recorded on the ticket, never joined. */
  claims: Address[];
  /** Identities to look the contact up by, never added to it. */
  lookupAlso: Address[];
  /** The ticket whose one-time code this message proved. */
  provenClaim?: { ticketId: string } | undefined;
  /** The channel's `knownContactsOnly` policy when it applies to this sender. */
  unknownPolicy?: 'reply' | 'review' | undefined;
  contactId: string;
}

export async function resolveSender(trx: Executor, a: Arrival): Promise<Sender> {
  const m = a.message;
  const proven = m.proof.level !== 'none';
  const identities: Address[] = dedupeAddresses([m.from, ...(proven ? m.fromAliases : [])]);
  const own = (c: Address) => identities.some((i) => i.kind === c.kind && i.address === c.address);
  const claims = dedupeAddresses([...m.claims, ...(proven ? [] : m.fromAliases)]).filter((c) => !own(c));
  const lookupAlso = dedupeAddresses(m.lookupAlso);
  const customer = m.classification === 'customer' && !m.fromBusiness;
  // The one-time code we sent to a ticket's requester, coming back from the identity they
  // claimed (and this channel proves): the sender holds both, so the identity joins the
  // requester (when nobody else owns it) and the message lands on that ticket.
  const provenClaim =
    proven && customer ? await proveClaimByCode(trx, [...identities, ...lookupAlso], m.replyText ?? m.text, a.now) : undefined;
  // `knownContactsOnly`: a sender is known when their contact is a shop customer we know by
  // more than this chat identity (an email linked to it). Decided before the contact is made.
  const policy = a.channel.config.knownContactsOnly;
  const unknownPolicy =
    policy && customer && !provenClaim && !(await isKnownSender(trx, [...identities, ...lookupAlso])) ? policy : undefined;
  const contactId = await findOrCreateContact(trx, identities, lookupAlso, m.from.displayName, a.channel.config.locale, a.now);
  return { proven, identities, claims, lookupAlso, provenClaim, unknownPolicy, contactId };
}

/** A contact owns one of these identities and is known by an email as well (a shop customer). */
async function isKnownSender(trx: Executor, addresses: Address[]): Promise<boolean> {
  const owners = [...new Set((await findContactIdsByIdentities(trx, addresses)).values())];
  return anyHasEmailIdentity(trx, owners);
}

async function findOrCreateContact(
  trx: Executor,
  identities: Address[],
  lookupAlso: Address[],
  name: string | undefined,
  locale: string | undefined,
  now: number,
): Promise<string> {
  const found = await findContactIdsByIdentities(trx, [...identities, ...lookupAlso]);
  let contactId: string | undefined;
  for (const i of [...identities, ...lookupAlso]) {
    contactId = found.get(`${i.kind}:${i.address}`);
    if (contactId) break;
  }
  if (!contactId) contactId = await createContact(trx, { name, locale }, now);
  else await setContactNameIfMissing(trx, contactId, name, now);
  // Identities already known (to this contact or to someone else) stay as they are.
  const unknown = identities.filter((i) => !found.has(`${i.kind}:${i.address}`));
  if (unknown.length) await addIdentities(trx, contactId, unknown, now);
  return contactId;
}

/** Email addresses compare case-insensitively; everything else is normalized by its adapter. */
export function dedupeAddresses(list: Address[]): Address[] {
  const seen = new Set<string>();
  return list
    .map((a) => (a.kind === 'email' ? { ...a, address: a.address.trim().toLowerCase() } : a))
    .filter((a) => {
      const k = `${a.kind}:${a.address}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}
