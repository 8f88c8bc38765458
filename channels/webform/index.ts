/**
 * Web forms and webhooks: each configured form (kind `webform`) accepts submissions at
 * `POST /hooks/forms/<id>` and turns each into a ticket. Forms cannot send: agents' public
 * replies leave through the channel named by `replyVia` (email or WhatsApp), to the submitted
 * email or phone named by `replyTo`. A form proves nothing about who typed it: never an agent,
 * and the other typed identity is only a claim (submission-envelope.ts).
 */
import { defineChannel, type ChannelDefinition } from '../../src/channel/contract.js';
import { createWebformRouter, type WebformRouterOptions } from './router.js';
import { webformConfigSchema, type WebformConfig } from './webform-config.js';

export { webformConfigSchema, type WebformConfig } from './webform-config.js';
export { signPayload } from './signature.js';

export const WEBFORM_PATH_PREFIX = '/hooks/forms/';

export function createWebformChannelDefinition(options: WebformRouterOptions = {}): ChannelDefinition<WebformConfig> {
  return defineChannel<WebformConfig>({
    kind: 'webform',
    configSchema: webformConfigSchema,
    capabilities: () => ({ inbound: 'push', canSend: false, threading: 'none', deliversTo: [] }),
    replyVia: (config) => config.replyVia,
    create(config, ctx) {
      const { router, stats } = createWebformRouter(config, ctx, options);
      let started = false;
      return {
        http: { path: `${WEBFORM_PATH_PREFIX}${config.id}`, router },
        source: {
          async start() {
            started = true;
          },
          async stop() {
            started = false;
          },
          health: () => ({
            state: started ? 'ok' : 'stopped',
            lastActivityAt: stats.lastActivityAt,
            detail: { mode: config.mode, accepted: stats.accepted, rejected: stats.rejected, honeypot: stats.honeypot },
          }),
        },
      };
    },
  });
}

export const webformChannel = createWebformChannelDefinition();
