import { z } from 'zod';

/** Fields every channel entry in `channels:` has. Adapters extend this object with their own. */
export const baseChannelConfigSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, "-" or "_" (max 63)'),
  kind: z.string(),
  enabled: z.boolean().default(true),
  locale: z.enum(['pt-BR', 'es', 'en']).optional(),
  reopenWindowHours: z.number().nonnegative().optional(),
  /** Chat channels: overrides `tickets.resumeWindowHours`. */
  resumeWindowHours: z.number().nonnegative().optional(),
  /**
   * Only people we already know may open tickets here (a WhatsApp number linked to a known
   * customer): `reply` answers an unknown sender with the `unknown_contact` template and stores
   * nothing about them on a ticket; `review` keeps the message on a ticket flagged for review
   * (category `review`) with no acknowledgement. Off by default.
   */
  knownContactsOnly: z.enum(['reply', 'review']).optional(),
});
