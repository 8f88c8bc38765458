import { z } from 'zod';

/** Fields every channel entry in `channels:` has. Adapters extend this object with their own. */
export const baseChannelConfigSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, "-" or "_" (max 63)'),
  kind: z.string(),
  enabled: z.boolean().default(true),
  locale: z.enum(['pt-BR', 'es', 'en']).optional(),
  reopenWindowHours: z.number().nonnegative().optional(),
});
