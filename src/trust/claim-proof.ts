/**
 * A claimed identity proven by our one-time code: the code we sent to a ticket's requester,
 * coming back from the identity they claimed (and the channel proves). Runs inside the ingest
 * transaction.
 */
import type { Executor } from '../db/database.js';
import { addIdentities, findContactIdsByIdentities } from '../db/repositories/contact.repository.js';
import { mergeContactsRecorded } from '../db/repositories/contact-merge.repository.js';
import { recordEvent } from '../db/repositories/event.repository.js';
import { getTicketById } from '../db/repositories/ticket.repository.js';
import { failClaimCode, markClaimLinked, pendingClaimCodes } from '../db/repositories/trust.repository.js';
import type { Address } from '../domain/model.js';
import { CLAIM_CODE_MAX_ATTEMPTS, codeMatches, codesIn } from './claim-code.js';

/**
 * The code sent for a claim, found in a message from that very identity: links it. Returns the
 * claim's ticket when the identity now belongs to its requester. A wrong code is counted; too
 * many void the code.
 */
export async function proveClaimByCode(
  trx: Executor,
  identities: Address[],
  text: string,
  now: number,
): Promise<{ ticketId: string } | undefined> {
  // Most messages carry no code: no query for them (this runs for every proven message).
  const candidates = codesIn(text);
  if (candidates.length === 0) return undefined;
  const pending = await pendingClaimCodes(trx, identities, now);
  if (pending.length === 0) return undefined;
  for (const claim of pending) {
    if (!codeMatches(claim.id, claim.codeHash, candidates)) {
      await failClaimCode(trx, claim, CLAIM_CODE_MAX_ATTEMPTS);
      continue;
    }
    const ticket = await getTicketById(trx, claim.ticketId);
    if (!ticket) continue;
    const identity: Address = { kind: claim.kind, address: claim.address };
    const owner = (await findContactIdsByIdentities(trx, [identity])).get(`${identity.kind}:${identity.address}`);
    // The sender holds both the requester's address (the code went there) and this identity:
    // if the identity already has a contact of its own, the two are one person (recorded, undoable).
    if (owner && owner !== ticket.requesterId) {
      await mergeContactsRecorded(
        trx,
        ticket.requesterId,
        owner,
        'system:claim_code',
        `one-time code sent to the requester of #${ticket.number} came back from ${identity.kind} ${identity.address}`,
        now,
      );
    }
    if (!owner) await addIdentities(trx, ticket.requesterId, [identity], now);
    await markClaimLinked(trx, claim.id, ticket.requesterId, 'one_time_code', now);
    await recordEvent(
      trx,
      ticket.id,
      'claim_proven',
      claim.id,
      `${identity.kind}:${identity.address}`.slice(0, 200),
      { type: 'customer', id: ticket.requesterId },
      now,
    );
    return { ticketId: ticket.id };
  }
  return undefined;
}
