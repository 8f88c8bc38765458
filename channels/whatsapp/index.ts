/**
 * The WhatsApp Web (Baileys) channel. `createWhatsappChannelDefinition(deps)` lets tests inject
 * a fake socket; `whatsappChannel` is the production definition over the real Baileys socket.
 */
import type { ChannelContext, ChannelDefinition, ChannelRuntime, PairingInfo } from '../../src/channel/contract.js';
import { whatsappIdentityKinds } from '../whatsapp-shared/identity-kinds.js';
import { phoneToJid } from '../whatsapp-shared/phone.js';
import { baileysAuthToolkit, makeSocketPort } from './baileys-socket.js';
import type { MakeSocket, WaAuthToolkit } from './socket-port.js';
import { whatsappConfigSchema, type WhatsappConfig } from './whatsapp-config.js';
import { createWhatsappSender } from './whatsapp-sender.js';
import { createWhatsappConnection, type WhatsappConnection } from './whatsapp-source.js';

export { whatsappConfigSchema, type WhatsappConfig } from './whatsapp-config.js';

export interface WhatsappChannelDeps {
  makeSocket: MakeSocket;
  authToolkit?: WaAuthToolkit;
  /** Jitter source for reconnect backoff (tests pin it). */
  random?: () => number;
}

export interface WhatsappRuntime extends ChannelRuntime {
  source: NonNullable<ChannelRuntime['source']>;
  sender: NonNullable<ChannelRuntime['sender']>;
  pairing(): PairingInfo | undefined;
  /** The live connection (tests and the pairing CLI wait on it). */
  connection: WhatsappConnection;
}

export interface WhatsappChannelDefinition extends ChannelDefinition<WhatsappConfig> {
  create(config: WhatsappConfig, context: ChannelContext): WhatsappRuntime;
}

export function createWhatsappChannelDefinition(deps: WhatsappChannelDeps): WhatsappChannelDefinition {
  return {
    kind: 'whatsapp',
    configSchema: whatsappConfigSchema,
    capabilities: (config) => ({
      inbound: 'socket',
      canSend: true,
      threading: 'chat',
      deliversTo: ['whatsapp', 'whatsapp_lid', 'phone'],
      maxAttachmentBytes: Math.min(config.mediaMaxBytes, 100 * 1024 * 1024),
    }),
    phoneAliases: (e164) => [{ kind: 'whatsapp', address: phoneToJid(e164) }],
    identityKinds: whatsappIdentityKinds,
    create(config, ctx): WhatsappRuntime {
      const connection = createWhatsappConnection(config, ctx, {
        makeSocket: deps.makeSocket,
        authToolkit: deps.authToolkit ?? baileysAuthToolkit,
        ...(deps.random ? { random: deps.random } : {}),
      });
      return {
        source: connection.source,
        sender: createWhatsappSender({ ctx, socket: connection.connected }),
        pairing: connection.pairing,
        connection,
      };
    },
  };
}

export const whatsappChannel = createWhatsappChannelDefinition({ makeSocket: makeSocketPort, authToolkit: baileysAuthToolkit });
