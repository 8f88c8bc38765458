/**
 * Completes a parse with what only the signing key can tell: the tickets our signed Message-IDs
 * in the references prove, and whether the mail's own Message-ID is ours (a loop). Kept apart
 * from the parse so a parse that ran in a parse child process (where the key is not) is completed on
 * the caller's side the same way. The rule itself is channels/email/signed-tickets.ts.
 */
import { isOwnMessageId, signedTicketNumbers } from '../signed-tickets.js';
import type { ParsedEmail } from './parsed-email.js';

export function applyMessageIdProof(parsed: ParsedEmail, verify: (messageId: string) => number | undefined): void {
  const verifier = { messageId: verify };
  if (parsed.message.threadHints)
    parsed.message.threadHints.signedTicketNumbers = signedTicketNumbers(
      { references: parsed.message.threadHints.references ?? [] },
      verifier,
    );
  if (isOwnMessageId(parsed.headers.messageId, verifier)) {
    parsed.loop.ourMessageId = true;
    parsed.message.metadata = { ...(parsed.message.metadata ?? {}), loop: { ...parsed.loop } };
  }
}
