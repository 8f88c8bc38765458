/**
 * Regenerates docs/screenshots/ (README "Agent console"): the inbox, a ticket and the WhatsApp
 * pairing page, at 1280 px and 375 px, from a demo desk seeded through the real ingest and
 * reply use cases. Run: `npx tsx test/web/take-screenshots.ts` (needs /usr/bin/chromium).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineChannel } from '../../src/channel/contract.js';
import { baseChannelConfigSchema } from '../../src/domain/channel-config.js';
import { startTestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { givePassword, openBrowser, signIn } from './browser-harness.js';

const OUT = join(process.cwd(), 'docs', 'screenshots');

function pairingChannel() {
  const schema = baseChannelConfigSchema.extend({ kind: z.literal('demo-whatsapp') });
  return defineChannel<z.infer<typeof schema>>({
    kind: 'demo-whatsapp',
    configSchema: schema,
    capabilities: () => ({ inbound: 'socket', canSend: true, threading: 'chat', deliversTo: ['whatsapp', 'phone'] }),
    create: () => ({
      source: {
        start: async () => {},
        stop: async () => {},
        health: () => ({ state: 'needs_pairing', lastError: 'logged out from the phone (401): scan the code again' }),
      },
      pairing: () => ({
        state: 'needs_pairing',
        qr: '2@Q2hlY2sgdGhlIFBvbnRlIFJFQURNRSBmb3IgcGFpcmluZw==,bW9jayBrZXk=,c2lnbmF0dXJl,ZGVtbw==',
        updatedAt: Date.now(),
      }),
      sender: { send: async (m) => ({ externalId: `demo-${m.outboxId}` }) },
    }),
  });
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const mail = createTestChannelDefinition('test', 'email');
  const chat = createTestChannelDefinition('testchat', 'chat', ['whatsapp', 'phone']);
  const t = await startTestApp({
    definitions: [mail.definition, chat.definition, pairingChannel()],
    channels: [
      { id: 'email', kind: 'test' },
      { id: 'whatsapp', kind: 'testchat' },
      { id: 'zap-loja', kind: 'demo-whatsapp' },
    ],
    config: {
      businessHours: {
        enabled: true,
        schedule: {
          mon: [['09:00', '18:00']],
          tue: [['09:00', '18:00']],
          wed: [['09:00', '18:00']],
          thu: [['09:00', '18:00']],
          fri: [['09:00', '17:00']],
        },
        sla: { firstResponseHours: 4, nextResponseHours: 8 },
      },
    },
  });
  try {
    await givePassword(t.app.database.kysely, t.adminId, 'demo-password-123');
    const bia = await t.createAgent({ name: 'Bia Costa', email: 'bia@loja.example' });
    const people: Array<[string, string, string, string]> = [
      [
        'Maria Souza',
        'maria@cliente.com.br',
        'Pedido 10482 atrasado',
        'Olá, meu pedido 10482 deveria ter chegado ontem e ainda não recebi. Podem verificar?',
      ],
      ['João Pereira', 'joao.pereira@gmail.com', 'Troca de tamanho', 'Comprei uma camiseta M e preciso trocar por G.'],
      ['Ana Lima', 'ana@lima.dev', 'Nota fiscal do pedido 10391', 'Preciso da nota fiscal para reembolso da empresa.'],
      ['Carlos Mendes', 'carlos@mendes.com', 'Cobrança em duplicidade', 'Fui cobrado duas vezes no cartão pelo mesmo pedido.'],
      ['Fernanda Rocha', 'fe.rocha@outlook.com', 'Produto veio com defeito', 'A cafeteira chegou com a tampa quebrada. Seguem fotos.'],
    ];
    let n = 0;
    for (const [name, address, subject, text] of people) {
      await t.context('email').ingest({
        message: {
          externalId: `<demo${n++}@cliente>`,
          from: { kind: 'email', address, displayName: name },
          subject,
          text,
          quotedText: n === 1 ? 'Em 28/11, Loja escreveu:\n> Seu pedido foi enviado.' : undefined,
        } as never,
      });
    }
    await t.context('whatsapp').ingest({
      message: {
        externalId: 'w1',
        from: { kind: 'whatsapp', address: '5511987654321@s.whatsapp.net', displayName: 'Rafael' },
        fromAliases: [{ kind: 'phone', address: '+5511987654321' }],
        text: 'Oi! Vocês entregam em Campinas no sábado?',
      },
    });
    await t.api('POST', '/api/tickets/10001/replies', {
      body: 'Olá Maria! Verifiquei com a transportadora: o pedido 10482 sai para entrega hoje à tarde.',
      visibility: 'public',
    });
    await t.api('POST', '/api/tickets/10001/replies', {
      body: 'Transportadora confirmou atraso no CD de Cajamar. Acompanhar amanhã.',
      visibility: 'internal',
    });
    await t.drainOutbox();
    await t.context('email').ingest({
      message: {
        externalId: '<demo-r1@cliente>',
        from: { kind: 'email', address: 'maria@cliente.com.br', displayName: 'Maria Souza' },
        subject: 'Re: Pedido 10482 atrasado [#10001]',
        text: 'Obrigada! Fico no aguardo.',
      },
    });
    await t.api('PATCH', '/api/tickets/10002', { assignee: bia.id, priority: 'high' });
    await t.api('PATCH', '/api/tickets/10004', { assignee: t.adminId, priority: 'urgent', status: 'open' });
    await t.api('POST', '/api/tickets/10003/replies', { body: 'Segue a nota fiscal em anexo.', visibility: 'public', status: 'solved' });
    await t.drainOutbox();

    for (const [label, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 375, height: 760 }],
    ] as const) {
      const b = await openBrowser(viewport);
      try {
        await signIn(b.page, t.baseUrl, 'admin@loja.example', 'demo-password-123');
        await b.page.goto(`${t.baseUrl}/?view=all`);
        await b.page.waitForTimeout(400);
        await b.page.screenshot({ path: join(OUT, `inbox-${label}.png`), fullPage: label === 'phone' });
        await b.page.goto(`${t.baseUrl}/tickets/10001`);
        await b.page.waitForTimeout(400);
        await b.page.screenshot({ path: join(OUT, `ticket-${label}.png`), fullPage: true });
        await b.page.goto(`${t.baseUrl}/new`);
        await b.page.fill('#nc-to', 'joana@cliente.test');
        await b.page.fill('#nc-name', 'Joana Lima');
        await b.page.fill('#nc-subject', 'Reembolso do pedido 7781');
        await b.page.fill('#nc-body', 'Olá Joana, o reembolso do pedido 7781 foi aprovado hoje e aparece na sua fatura em até 2 ciclos.');
        await b.page.screenshot({ path: join(OUT, `new-conversation-${label}.png`), fullPage: label === 'phone' });
        await b.page.goto(`${t.baseUrl}/admin/channels/zap-loja/pairing`);
        await b.page.waitForTimeout(600);
        await b.page.screenshot({ path: join(OUT, `pairing-${label}.png`), fullPage: label === 'phone' });
        b.assertClean();
      } finally {
        await b.close();
      }
    }
    console.log(`screenshots written to ${OUT}`);
  } finally {
    await t.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
