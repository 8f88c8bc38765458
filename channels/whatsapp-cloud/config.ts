/**
 * Configuration of one WhatsApp Cloud API channel (Meta's official API). Secrets arrive already
 * interpolated from `${ENV}` by the core config loader; this schema never logs or echoes them
 * (zod issues carry paths and rules, not values).
 */
import { z } from 'zod';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';
import { automaticTemplatesSchema } from './automatic-templates.js';

const secret = (what: string) => z.string().min(1, `${what} is required (use \${ENV_VAR} in ponte.yaml)`);

export const whatsappCloudConfigSchema = baseChannelConfigSchema.extend({
  kind: z.literal('whatsapp-cloud'),
  /** The business phone number's id in the Graph API (not the phone number itself). */
  phoneNumberId: z.string().regex(/^\d{5,30}$/, 'the numeric phone_number_id from Meta, not the phone number'),
  wabaId: z
    .string()
    .regex(/^\d{5,30}$/)
    .optional(),
  /** System-user access token (Bearer). Secret. */
  accessToken: secret('accessToken'),
  /** App secret: key of X-Hub-Signature-256. Secret. */
  appSecret: secret('appSecret'),
  /** The token typed into Meta's webhook setup; checked on the GET handshake. Secret. */
  verifyToken: secret('verifyToken'),
  graphBaseUrl: z
    .string()
    .url()
    .default('https://graph.facebook.com')
    .transform((u) => u.replace(/\/+$/, '')),
  graphVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'like v21.0')
    .default('v21.0'),
  /** Inbound media larger than this is not downloaded (the message is kept with a visible note). */
  mediaMaxBytes: z
    .number()
    .int()
    .positive()
    .default(25 * 1024 * 1024),
  /** Meta's customer-service window: free text is allowed this long after the customer's last message. */
  serviceWindowHours: z
    .number()
    .positive()
    .max(24 * 7)
    .default(24),
  /** Largest webhook POST accepted (Meta batches up to ~1000 updates; 1 MiB is ample). */
  webhookMaxBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Timeout of one Graph API request (media lookups, sends). */
  requestTimeoutMs: z.number().int().positive().default(20_000),
  /**
   * Approved templates per automatic-message kind (auto_ack, out_of_hours, status_notice,
   * reminder, notification, system): outside the service window such a message is sent as its
   * template; a kind without one fails with whatsapp_window_closed.
   */
  templates: automaticTemplatesSchema,
});

export type WhatsappCloudConfig = z.infer<typeof whatsappCloudConfigSchema>;
