/**
 * Portal messages enter the core through its ingest, like any customer message: agents see them
 * in the thread, notifications and timers follow, the status moves as for an email. A reply is
 * received on the channel the customer last used on that ticket (so the desk's answer goes back
 * there) and names the ticket by number, which the core accepts only from its requester or a
 * participant; a new request is received on the portal's request channel. The sender is the
 * identity the session proved; agent commands never run from the portal.
 */
import type { Address } from '../../domain/model.js';
import type { AttachmentRef, InboundEnvelopeInput, IngestOutcome } from '../../domain/envelope.js';
import type { Ticket } from '../../domain/ticket.js';
import { newId } from '../../domain/ids.js';
import { lookupIdentities, type Viewer } from './portal-access.js';
import type { PortalRuntime } from './portal-deps.js';

export class PortalUnavailableError extends Error {}

/** The identity the message is from: the proven one the session names (as the contact stores it). */
async function senderOf(rt: PortalRuntime, v: Viewer): Promise<Address> {
  const candidates = lookupIdentities(v.identity, rt.deps.channels.phoneAliases);
  if (v.contactId) {
    const owned = await rt
      .db()
      .selectFrom('contact_identities')
      .select(['kind', 'address'])
      .where('contact_id', '=', v.contactId)
      .execute();
    const hit = candidates.find((c) => owned.some((o) => o.kind === c.kind && o.address === c.address));
    if (hit) return { kind: hit.kind as Address['kind'], address: hit.address, ...(v.contactName ? { displayName: v.contactName } : {}) };
  }
  return { kind: candidates[0]!.kind as Address['kind'], address: candidates[0]!.address };
}

export function requestChannelId(rt: PortalRuntime): string | undefined {
  const wanted = rt.site.requestChannel ?? rt.portal.emailChannel;
  if (wanted) return rt.deps.channels.get(wanted) ? wanted : undefined;
  return (
    rt.deps.channels.list().find((e) => e.capabilities.canSend && e.capabilities.deliversTo.includes('email'))?.id ??
    rt.deps.channels.list().find((e) => e.capabilities.canSend)?.id
  );
}

export interface PortalMessageInput {
  ticket?: Ticket | undefined;
  subject?: string | undefined;
  text: string;
  attachments: AttachmentRef[];
  fields?:
    | {
        category?: string | undefined;
        reference?: string | undefined;
        priority?: 'normal' | 'high' | 'urgent' | undefined;
        customFields?: Record<string, string> | undefined;
      }
    | undefined;
  /** The form's one-time key: a double submit is answered `duplicate`, not stored twice. */
  formKey?: string | undefined;
}

export async function ingestPortalMessage(rt: PortalRuntime, v: Viewer, input: PortalMessageInput): Promise<IngestOutcome> {
  const channelId =
    input.ticket && rt.deps.channels.get(input.ticket.lastCustomerChannelId) ? input.ticket.lastCustomerChannelId : requestChannelId(rt);
  if (!channelId) throw new PortalUnavailableError('no channel configured for portal messages');
  const from = await senderOf(rt, v);
  const envelope: InboundEnvelopeInput = {
    message: {
      externalId: `portal:${newId(rt.now())}`,
      from,
      proof: { level: 'channel' },
      subject: input.subject,
      text: input.text,
      attachments: input.attachments,
      threadHints: { references: [], signedTicketNumbers: input.ticket ? [input.ticket.number] : [] },
      agentCommands: false,
      metadata: { portal: rt.site.brand },
      ...(input.fields
        ? {
            ticketFields: {
              origin: 'portal',
              ...(input.fields.category ? { category: input.fields.category } : {}),
              ...(input.fields.reference ? { reference: input.fields.reference } : {}),
              ...(input.fields.priority ? { priority: input.fields.priority } : {}),
              ...(input.fields.customFields && Object.keys(input.fields.customFields).length
                ? { customFields: input.fields.customFields }
                : {}),
              // Same reason and reference as an open request: that request, not a duplicate.
              matchExistingRequest: Boolean(input.fields.reference),
            },
          }
        : {}),
    },
    ...(input.formKey && /^[\w-]{10,64}$/.test(input.formKey)
      ? { idempotencyKey: `portal:${from.kind}:${from.address}:${input.formKey}` }
      : {}),
  };
  const outcome = await rt.deps.ingest(channelId, envelope);
  return outcome;
}
