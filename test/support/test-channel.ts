/**
 * A real channel definition for core tests: no inbound source (tests call ctx.ingest), a sender
 * that records what it was asked to send and can be told to fail.
 */
import { z } from 'zod';
import { whatsappIdentityKinds } from '../../channels/whatsapp-shared/identity-kinds.js';
import { defineChannel, type OutboundMessage } from '../../src/channel/contract.js';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';
import { ChannelError } from '../../src/domain/errors.js';
import type { Address } from '../../src/domain/model.js';

export interface TestOutbox {
  sent: OutboundMessage[];
  /** Errors to throw on the next sends, in order. */
  failures: ChannelError[];
  /** Answer sends with this resolved identity (a channel that looks the real address up). */
  resolveTo?: Address;
}

export function createTestChannelDefinition(
  kind = 'test',
  threading: 'email' | 'chat' = 'email',
  deliversTo: Array<'email' | 'phone' | 'whatsapp'> = ['email', 'phone'],
) {
  const outboxes = new Map<string, TestOutbox>();
  const schema = baseChannelConfigSchema.extend({ kind: z.literal(kind) });
  const definition = defineChannel<z.infer<typeof schema>>({
    kind,
    configSchema: schema,
    capabilities: () => ({ inbound: 'push', canSend: true, threading, deliversTo }),
    // A chat kind that delivers to WhatsApp JIDs stands in for a WhatsApp channel: it knows a phone by its JID too.
    // A chat test channel that delivers to WhatsApp JIDs stands in for a WhatsApp kind: its aliases and identity kinds.
    ...(deliversTo.includes('whatsapp')
      ? {
          phoneAliases: (e164: string) => [{ kind: 'whatsapp' as const, address: `${e164.replace(/\D/g, '')}@s.whatsapp.net` }],
          identityKinds: whatsappIdentityKinds,
        }
      : {}),
    create(config) {
      const box: TestOutbox = { sent: [], failures: [] };
      outboxes.set(config.id, box);
      return {
        sender: {
          assignExternalId: (m) => `<${m.outboxId}@test.invalid>`,
          async send(m) {
            const failure = box.failures.shift();
            if (failure) throw failure;
            box.sent.push(m);
            return {
              externalId: m.externalId ?? `<${m.outboxId}@test.invalid>`,
              ...(box.resolveTo ? { resolvedIdentity: box.resolveTo } : {}),
            };
          },
        },
      };
    },
  });
  return { definition, outbox: (id: string) => outboxes.get(id)!, ChannelError };
}
