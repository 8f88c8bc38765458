/**
 * The WhatsApp Cloud API channel (Meta's official API): push webhooks in, Graph API out.
 * `whatsappCloudChannel` is the production definition; `createWhatsappCloudChannelDefinition`
 * lets tests inject a fetch or shorter retry delays. Nothing here does I/O before `start()` or
 * the first request.
 */
import { defineChannel, type ChannelDefinition, type ChannelRuntime } from '../../src/channel/contract.js';
import { whatsappIdentityKinds } from '../whatsapp-shared/identity-kinds.js';
import { phoneToJid } from '../whatsapp-shared/phone.js';
import { createCloudSender } from './cloud-sender.js';
import { whatsappCloudConfigSchema, type WhatsappCloudConfig } from './config.js';
import { createGraphClient, type FetchLike } from './graph-client.js';
import { createWebhookRouter } from './router.js';
import { createWebhookInbox, type WebhookInbox } from './webhook-inbox.js';

export { whatsappCloudConfigSchema, type WhatsappCloudConfig } from './config.js';

export interface WhatsappCloudDeps {
  fetch?: FetchLike;
  retryDelaysMs?: number[];
  /** Called with each runtime's inbox (tests wait on `idle()`). */
  onInbox?: (channelId: string, inbox: WebhookInbox) => void;
}

export function createWhatsappCloudChannelDefinition(deps: WhatsappCloudDeps = {}): ChannelDefinition<WhatsappCloudConfig> {
  return defineChannel<WhatsappCloudConfig>({
    kind: 'whatsapp-cloud',
    configSchema: whatsappCloudConfigSchema,
    capabilities: () => ({
      inbound: 'push',
      canSend: true,
      threading: 'chat',
      deliversTo: ['whatsapp', 'phone', 'whatsapp_bsuid'],
      maxAttachmentBytes: 100 * 1024 * 1024,
    }),
    phoneAliases: (e164) => [{ kind: 'whatsapp', address: phoneToJid(e164) }],
    identityKinds: whatsappIdentityKinds,
    create(config, ctx): ChannelRuntime {
      const graph = createGraphClient({
        baseUrl: config.graphBaseUrl,
        version: config.graphVersion,
        accessToken: config.accessToken,
        phoneNumberId: config.phoneNumberId,
        timeoutMs: config.requestTimeoutMs,
        fetch: deps.fetch,
        now: () => ctx.clock.now(),
      });
      const inbox = createWebhookInbox(ctx, config, graph, deps.retryDelaysMs ? { retryDelaysMs: deps.retryDelaysMs } : {});
      deps.onInbox?.(config.id, inbox);
      const router = createWebhookRouter({
        appSecret: config.appSecret,
        verifyToken: config.verifyToken,
        maxBytes: config.webhookMaxBytes,
        logger: ctx.logger,
        accept: (raw) => inbox.accept(raw),
      });
      return {
        source: { start: () => inbox.start(), stop: () => inbox.stop(), health: () => inbox.health() },
        sender: createCloudSender({
          graph,
          state: ctx.state,
          blobs: ctx.blobs,
          clock: ctx.clock,
          logger: ctx.logger,
          windowHours: config.serviceWindowHours,
          templates: config.templates,
        }),
        http: { path: `/hooks/whatsapp-cloud/${config.id}`, router },
      };
    },
  });
}

export const whatsappCloudChannel = createWhatsappCloudChannelDefinition();
