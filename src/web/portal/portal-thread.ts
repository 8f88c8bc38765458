/**
 * The public thread as a customer may see it: customer messages and the desk's public replies
 * and automatic answers to the customer. Never internal notes, never agent notifications, never
 * bounces or auto-replies, and of other people only a display name (no address, no phone).
 */
import type { Executor } from '../../db/database.js';
import type { Ticket } from '../../domain/ticket.js';

const CUSTOMER_FACING = ['message', 'reply', 'auto_ack', 'out_of_hours', 'reminder', 'status_notice'];

export interface PortalMessage {
  id: string;
  at: number;
  /** me: the viewer; customer: another person on the ticket; desk: an agent or the desk's automatic answer. */
  author: 'me' | 'customer' | 'desk';
  authorName: string | null;
  text: string;
  attachments: Array<{ id: string; filename: string; contentType: string; size: number }>;
}

export async function publicThread(db: Executor, ticket: Ticket, viewerContactId: string | undefined): Promise<PortalMessage[]> {
  const rows = await db
    .selectFrom('messages')
    .leftJoin('agents', 'agents.id', 'messages.author_agent_id')
    .leftJoin('contacts', 'contacts.id', 'messages.author_contact_id')
    .select([
      'messages.id',
      'messages.created_at',
      'messages.author_type',
      'messages.author_contact_id',
      'messages.text',
      'messages.reply_text',
      'messages.direction',
      'messages.revoked_at',
      'agents.name as agent_name',
      'contacts.name as contact_name',
    ])
    .where('messages.ticket_id', '=', ticket.id)
    .where('messages.visibility', '=', 'public')
    .where('messages.classification', '=', 'customer')
    .where('messages.purpose', 'in', CUSTOMER_FACING)
    .where((eb) => eb.or([eb('messages.direction', '=', 'in'), eb('messages.author_type', 'in', ['agent', 'system'])]))
    .orderBy('messages.created_at')
    .orderBy('messages.id')
    .limit(1000)
    .execute();
  const ids = rows.map((r) => r.id);
  const atts = ids.length
    ? await db
        .selectFrom('attachments')
        .select(['id', 'message_id', 'filename', 'content_type', 'size'])
        .where('message_id', 'in', ids)
        .where('inline', '=', 0)
        .orderBy('id')
        .execute()
    : [];
  return rows.map((r) => {
    const inbound = r.direction === 'in';
    const author = inbound ? (r.author_contact_id && r.author_contact_id === viewerContactId ? 'me' : 'customer') : 'desk';
    const firstName = (n: string | null) => (n ? n.trim().split(/\s+/)[0]! : null);
    return {
      id: r.id,
      at: Number(r.created_at),
      author,
      authorName: author === 'desk' ? firstName(r.agent_name) : author === 'customer' ? firstName(r.contact_name) : null,
      text: r.revoked_at ? '' : (r.reply_text ?? r.text),
      attachments: atts
        .filter((a) => a.message_id === r.id)
        .map((a) => ({ id: a.id, filename: a.filename, contentType: a.content_type, size: Number(a.size) })),
    };
  });
}

/** The attachment if it belongs to a customer-visible message of this ticket. */
export async function visibleAttachment(db: Executor, ticket: Ticket, attachmentId: string) {
  return db
    .selectFrom('attachments')
    .innerJoin('messages', 'messages.id', 'attachments.message_id')
    .select(['attachments.id', 'attachments.blob_key', 'attachments.filename', 'attachments.content_type', 'attachments.size'])
    .where('attachments.id', '=', attachmentId)
    .where('messages.ticket_id', '=', ticket.id)
    .where('messages.visibility', '=', 'public')
    .where('messages.classification', '=', 'customer')
    .where('messages.purpose', 'in', CUSTOMER_FACING)
    .executeTakeFirst();
}
