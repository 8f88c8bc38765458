/**
 * The one-time code that links a claimed identity to a ticket's requester (src/trust): queued to
 * the requester where we already answer them; replying with it from the claimed identity proves
 * that whoever holds both is the same person.
 */
import type { ChannelDirectory } from '../channel/directory.js';
import { claimsOfTicket, setClaimCode } from '../db/repositories/trust.repository.js';
import { queueOutbound } from '../tickets/outbound-queue.js';
import { resolveCustomerRoute } from '../tickets/reply-route.js';
import { CLAIM_CODE_TTL_MS, type ClaimCodeSender, hashClaimCode, newClaimCode } from '../trust/claim-code.js';
import { displayAddress } from './automation-rules.js';
import type { TemplateSet } from './templates.js';

export function createClaimCodeSender(channels: ChannelDirectory, templates: TemplateSet): ClaimCodeSender {
  return async (db, ticket, claimId, now) => {
    const claim = (await claimsOfTicket(db, ticket.id)).find((c) => c.id === claimId);
    if (!claim) return { ok: false, reason: 'unknown_claim' };
    if (claim.linkedAt !== null) return { ok: false, reason: 'already_linked' };
    // The code goes to the requester where we already answer them, and must come back from the
    // claimed identity: whoever returns it holds both. (Sent the other way, a stranger who typed
    // a customer's email beside their own phone could prove "their" phone onto that customer.)
    const route = await resolveCustomerRoute(db, channels, ticket);
    if (!route) return { ok: false, reason: 'no_channel' };
    const code = newClaimCode();
    const expiresAt = now + CLAIM_CODE_TTL_MS;
    await setClaimCode(db, claim.id, hashClaimCode(claim.id, code), expiresAt);
    const text = templates.render('claim_code', ticket.locale, {
      ticket_number: String(ticket.number),
      code,
      identity: displayAddress(claim.address, channels.phoneOf),
    });
    await queueOutbound(
      db,
      {
        ticket,
        route: { channelId: route.channelId, recipient: route.recipient },
        text,
        purpose: 'system',
        visibility: 'internal',
        authorType: 'system',
        metadata: { automation: 'claim_code', claimId: claim.id },
      },
      now,
    );
    return { ok: true, channelId: route.channelId, to: route.recipient.address, expiresAt };
  };
}
