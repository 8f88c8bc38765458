import { z } from 'zod';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';

/** One configured WhatsApp (Baileys) number. */
export const whatsappConfigSchema = baseChannelConfigSchema.extend({
  kind: z.literal('whatsapp'),
  /** The business number in E.164; when set, pairing offers a "link with phone number" code besides the QR. */
  phoneNumber: z
    .string()
    .regex(/^\+[1-9]\d{7,14}$/, 'use E.164, e.g. +5511912345678')
    .optional(),
  /** Groups, status posts, broadcast lists and newsletters are not support conversations. */
  ignoreGroups: z.boolean().default(true),
  /** Media over this size is not downloaded; the message says so instead. */
  mediaMaxBytes: z
    .number()
    .int()
    .positive()
    .max(2 * 1024 ** 3)
    .default(25 * 1024 * 1024),
  /** Name shown on the phone's "Linked devices" list. */
  browserName: z.string().min(1).max(60).default('Ponte'),
  reconnectBaseMs: z.number().int().positive().default(2_000),
  reconnectMaxMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  /** How long the number's lease lasts without renewal (renewed every third of it). */
  leaseTtlMs: z.number().int().min(1_000).default(60_000),
  /** A message that failed to decrypt waits this long for the phone's re-send before a placeholder is shown. */
  pendingStubTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  /** Advanced/test only: another WebSocket endpoint than WhatsApp's. */
  websocketUrl: z.string().url().optional(),
  connectTimeoutMs: z.number().int().positive().optional(),
});

export type WhatsappConfig = z.infer<typeof whatsappConfigSchema>;
export type WhatsappConfigInput = z.input<typeof whatsappConfigSchema>;
