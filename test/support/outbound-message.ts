/** An OutboundMessage as the outbox builds it, for sender tests; each test overrides what it is about. */
import type { OutboundMessage } from '../../src/domain/outbound.js';

export function outboundMessage(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    outboxId: 'ob1',
    messageId: 'm1',
    channelId: 'test',
    ticket: { id: 't1', number: 10001, subject: 'Pedido', subjectToken: '[#10001]', locale: 'pt-BR' },
    recipient: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net' },
    text: 'Olá!',
    attachments: [],
    threading: { references: [] },
    automatic: false,
    purpose: 'reply',
    ...over,
  };
}
