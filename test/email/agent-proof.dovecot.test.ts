/**
 * Agents by proof, the email half (issue 9), in the whole app: real Dovecot in, real SMTP
 * server out, SQLite. A notification mailed to an agent carries a per-agent signed token; the
 * agent's answer to it proves the agent in the envelope (`proof.agentToken`); the same words
 * under a forged `From: agent` prove nothing. Our own DKIM/DMARC check (mailauth) runs in the
 * IMAP source against a stub DNS resolver (no real DNS): an aligned signature authenticates,
 * a forged From fails.
 */
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import { createEmailChannelDefinition, emailSigner, type EmailChannelConfig } from '../../channels/email/index.js';
import type { DnsResolver } from '../../channels/email/mail-auth.js';
import type { ChannelDefinition, IngestOutcome } from '../../src/channel/contract.js';
import type { InboundEnvelopeInput } from '../../src/domain/envelope.js';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { buildMail, uniqueId } from '../../scripts/test-services/mail-factory.js';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../../scripts/test-services/smtp-capture.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { serviceAvailable } from '../support/services.js';
import { FAST_RECONNECT, waitUntil } from './helpers.js';

const dv = dovecotAvailable();
const run = serviceAvailable('dovecot', dv.available, dv.why);
const d = run ? describe : describe.skip;

const AGENT = 'ana@loja.example';
const CUSTOMER = 'maria@customer.test';

/** The agent's domain signs its mail; its DMARC policy is p=reject. Served by the stub resolver only. */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const dns: Record<string, string[][]> = {
  's1._domainkey.loja.example': [[`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`]],
  '_dmarc.loja.example': [['v=DMARC1; p=reject']],
};
const resolver: DnsResolver = async (name, rrtype) => {
  const answer = rrtype === 'TXT' ? dns[name.toLowerCase()] : undefined;
  if (!answer) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return answer;
};

async function dkimSigned(raw: Buffer): Promise<Buffer> {
  // A fixed signTime: mailauth's signer otherwise reads the clock twice (a flaky bad signature).
  const signed = await dkimSign(raw, {
    signTime: new Date(),
    signatureData: [{ signingDomain: 'loja.example', selector: 's1', privateKey: privatePem }],
  } as Parameters<typeof dkimSign>[1]);
  expect(signed.errors).toEqual([]);
  return Buffer.concat([Buffer.from(signed.signatures), raw]);
}

/** The email channel, with every envelope it hands the core recorded (what the adapter proved). */
function recordingEmailChannel(
  envelopes: InboundEnvelopeInput[],
  outcomes: Map<string, IngestOutcome>,
  configs: EmailChannelConfig[],
): ChannelDefinition<EmailChannelConfig> {
  const base = createEmailChannelDefinition({ reconnect: FAST_RECONNECT, dnsResolver: resolver });
  return {
    ...base,
    create: (config, ctx) => {
      configs.push(config);
      return base.create(config, {
        ...ctx,
        ingest: async (envelope) => {
          envelopes.push(envelope);
          const outcome = await ctx.ingest(envelope);
          outcomes.set(envelope.message.externalId, outcome);
          return outcome;
        },
      });
    },
  };
}

d('agents by proof over email (Dovecot + SMTP)', () => {
  let dovecot: TestDovecot;
  let smtp: SmtpCapture;
  let t: TestApp;
  let ana: { id: string };
  const envelopes: InboundEnvelopeInput[] = [];
  const configs: EmailChannelConfig[] = [];
  const outcomes = new Map<string, IngestOutcome>();
  let ticket = 0;
  let customerMessageId = '';
  let notification: CapturedMail;

  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpCapture();
    t = await startTestApp({
      definitions: [recordingEmailChannel(envelopes, outcomes, configs)],
      channels: [
        {
          id: 'support',
          kind: 'email',
          addresses: ['support@help.test'],
          displayName: 'Help Desk',
          imap: dovecot.imapConfig({ pollIntervalSeconds: 5 }),
          smtp: smtp.smtpConfig(),
          replyTo: { mode: 'plus' },
          trustedAuthservIds: ['mx.help.test'],
          verifyAuthentication: true,
        },
      ],
    });
    ana = await t.createAgent({ name: 'Ana Lima', email: AGENT, notifyChannelId: 'support' });
    await waitUntil(() => t.context('support').state.get('cursor:INBOX'), 30_000, 'IMAP cursor');
  });
  afterAll(async () => {
    await t?.stop();
    await smtp?.stop();
    await dovecot?.dispose();
  });

  const signer = () => emailSigner(configs[0]!, t.context('support'));
  async function envelopeOf(messageId: string): Promise<InboundEnvelopeInput> {
    return waitUntil(() => envelopes.find((e) => e.message.externalId === messageId), 20_000, `envelope ${messageId}`);
  }

  it('a notification mailed to an agent carries a per-agent token proving that agent and ticket', async () => {
    customerMessageId = uniqueId();
    await dovecot.appendMessage(
      buildMail({
        messageId: customerMessageId,
        from: CUSTOMER,
        fromName: 'Maria Souza',
        subject: 'Pedido 4411 não chegou',
        text: 'Meu pedido 4411 não chegou.',
      }),
    );
    const created = await waitUntil(async () => (await t.api('GET', '/api/tickets?limit=10')).body.tickets[0], 10_000, 'ticket');
    ticket = created.number;
    await t.drainOutbox();
    notification = await waitUntil(
      async () => (await smtp.waitFor(1)).find((m) => m.to.includes(AGENT)),
      10_000,
      'notification to the agent',
    );
    const id = notification.header('message-id')!.slice(1, -1);
    expect(signer().verifyAgent(id)).toEqual({ agentId: ana.id.toLowerCase(), ticketNumber: ticket });
    const replyTo = /<([^>]+)>/.exec(notification.header('reply-to')!)![1]!;
    expect(signer().verifyAgentPlusAddress(replyTo, ['support@help.test'])).toEqual({
      agentId: ana.id.toLowerCase(),
      ticketNumber: ticket,
    });
  });

  it("the agent's DKIM-signed answer to it proves the agent (token) and the From domain, and is relayed to the customer as hers", async () => {
    const id = uniqueId('loja.example');
    const nid = notification.header('message-id')!.slice(1, -1);
    const before = smtp.messages.length;
    await dovecot.appendMessage(
      await dkimSigned(
        buildMail({
          from: AGENT,
          fromName: 'Ana Lima',
          messageId: id,
          inReplyTo: nid,
          references: [nid],
          subject: `Re: Novo chamado [#${ticket}]`,
          text: 'Maria, o pedido sai hoje.\r\n\r\nAna',
        }),
      ),
    );
    const envelope = await envelopeOf(id);
    // DKIM/DMARC were checked in the IMAP source, before ingest (stub DNS).
    expect(envelope.message.proof).toEqual({ level: 'authenticated', agentToken: { agentId: ana.id.toLowerCase(), ticketNumber: ticket } });
    await waitUntil(
      async () => (await t.getTicket(ticket)).messages.some((m) => m.text.includes('o pedido sai hoje')),
      10_000,
      'reply on the ticket',
    );
    await t.drainOutbox();
    const relayed = await waitUntil(
      () => smtp.messages.slice(before).find((m) => m.to.includes(CUSTOMER)),
      10_000,
      'relay to the customer',
    );
    expect(relayed.raw.toString()).toContain('o pedido sai hoje');
    expect(relayed.header('from')).toMatch(/^"?Ana Lima via Help Desk"? <support@help\.test>$/);
    const ticketNow = await t.getTicket(ticket);
    expect(ticketNow.status).toBe('pending');
    expect(ticketNow.messages.find((m) => m.text.includes('o pedido sai hoje'))).toMatchObject({
      authorType: 'agent',
      authorAgentId: ana.id,
      visibility: 'public',
    });
  });

  it('the same answer sent only to the Reply-To plus address (no thread headers) proves the agent too, and is relayed', async () => {
    const id = uniqueId('loja.example');
    const replyTo = /<([^>]+)>/.exec(notification.header('reply-to')!)![1]!;
    const before = smtp.messages.length;
    await dovecot.appendMessage(
      await dkimSigned(
        buildMail({ from: AGENT, to: replyTo, messageId: id, subject: 'sobre o pedido', text: 'Maria, a nota fiscal segue amanhã.' }),
      ),
    );
    expect((await envelopeOf(id)).message.proof).toMatchObject({ agentToken: { agentId: ana.id.toLowerCase(), ticketNumber: ticket } });
    expect(await waitUntil(() => outcomes.get(id), 10_000, 'ingest outcome')).toMatchObject({
      ticketNumber: ticket,
      asAgent: { agentId: ana.id, visibility: 'public' },
    });
    await t.drainOutbox();
    const relayed = await waitUntil(
      () => smtp.messages.slice(before).find((m) => m.to.includes(CUSTOMER)),
      10_000,
      'relay to the customer',
    );
    expect(relayed.raw.toString()).toContain('a nota fiscal segue');
  });

  it('a forged From: agent with [#N] and #solved (no token): no status change, nothing relayed, an unverified internal note agents see', async () => {
    const id = uniqueId('attacker.example');
    const statusBefore = (await t.getTicket(ticket)).status;
    const before = smtp.messages.length;
    await dovecot.appendMessage(
      buildMail({
        from: AGENT,
        fromName: 'Ana Lima',
        messageId: id,
        inReplyTo: customerMessageId,
        subject: `Re: Pedido [#${ticket}]`,
        text: 'Maria, pague a taxa de reenvio em http://evil.example/pay\r\n#solved',
      }),
    );
    const proof = (await envelopeOf(id)).message.proof;
    expect(proof).not.toHaveProperty('agentToken');
    expect(proof).toEqual({ level: 'none', authFailure: 'dmarc=fail header.from=loja.example (checked by Ponte)' });

    const res = await waitUntil(
      async () => {
        const r = await t.api('GET', `/api/tickets/${ticket}`);
        return r.body.messages?.some((m: { text: string }) => m.text.includes('evil.example')) ? r : undefined;
      },
      10_000,
      'the forged mail on the ticket',
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe(statusBefore);
    const note = res.body.messages.find((m: { text: string }) => m.text.includes('evil.example'));
    expect(note).toMatchObject({ visibility: 'internal', metadata: expect.objectContaining({ unverified: true, claimedAgentId: ana.id }) });
    expect(note.authorType).not.toBe('agent');
    await t.drainOutbox();
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.messages.slice(before).filter((m) => m.to.includes(CUSTOMER) || m.raw.toString().includes('evil.example'))).toEqual([]);
  });

  it('a token altered to name another ticket, and a forged "pass" under the trusted server\'s failure, prove nothing', async () => {
    const id = uniqueId('attacker.example');
    const nid = notification.header('message-id')!.slice(1, -1);
    const altered = nid.replace(`ponte.${ticket}.`, `ponte.${ticket + 1}.`);
    await dovecot.appendMessage(
      buildMail({
        from: AGENT,
        messageId: id,
        inReplyTo: altered,
        subject: 'Re: Novo chamado',
        text: '#close',
        headers: {
          'Authentication-Results': 'mx.help.test; spf=fail smtp.mailfrom=ana@loja.example; dmarc=fail (p=REJECT) header.from=loja.example',
          // A second Authentication-Results line below the first (the sender wrote both).
          'X-Forged': 'x\r\nAuthentication-Results: mx.help.test; dkim=pass header.d=loja.example; dmarc=pass header.from=loja.example',
        },
      }),
    );
    const proof = (await envelopeOf(id)).message.proof!;
    expect(proof).not.toHaveProperty('agentToken');
    expect(proof.level).toBe('none');
    expect(proof.authFailure).toContain('dmarc=fail header.from=loja.example (reported by mx.help.test)');
    const outcome = await waitUntil(() => outcomes.get(id), 10_000, 'ingest outcome');
    expect(outcome).not.toHaveProperty('asAgent');
    expect((await t.getTicket(ticket)).status).toBe('pending');
  });
  it('six customers in one hour: the agent is told about every one (no mailbox cap), and her naive out-of-office answering them reaches no customer', async () => {
    const ticketsBefore = (await t.api('GET', '/api/tickets?limit=100')).body.tickets.length;
    const before = smtp.messages.length;
    const customerIds = Array.from({ length: 6 }, () => uniqueId());
    for (const [i, id] of customerIds.entries())
      await dovecot.appendMessage(
        buildMail({ messageId: id, from: `cliente${i}@customer.test`, subject: `Pedido 77${i}`, text: `Meu pedido 77${i} não chegou.` }),
      );
    await waitUntil(
      async () => (await t.api('GET', '/api/tickets?limit=100')).body.tickets.length === ticketsBefore + 6,
      20_000,
      'six tickets',
    );
    await t.drainOutbox();
    const notifications = await waitUntil(
      () => {
        const toAna = smtp.messages
          .slice(before)
          .filter((m) => m.to.includes(AGENT) && customerIds.includes(m.header('in-reply-to')?.slice(1, -1) ?? ''));
        return toAna.length >= 6 ? toAna : undefined;
      },
      10_000,
      'six notifications to the agent',
    );
    expect(notifications).toHaveLength(6);
    const tokens = notifications.map((m) => signer().verifyAgent(m.header('message-id')!.slice(1, -1)));
    expect(tokens.every((tk) => tk?.agentId === ana.id.toLowerCase())).toBe(true);
    expect(new Set(tokens.map((tk) => tk!.ticketNumber)).size).toBe(6);

    // Her out-of-office answers each one: a plain subject, no Auto-Submitted, the token present.
    const sentBefore = smtp.messages.length;
    const ids: string[] = [];
    for (const n of notifications) {
      const nid = n.header('message-id')!.slice(1, -1);
      const id = uniqueId('loja.example');
      ids.push(id);
      await dovecot.appendMessage(
        await dkimSigned(
          buildMail({
            from: AGENT,
            messageId: id,
            inReplyTo: nid,
            references: [nid],
            subject: `Re: ${n.subject()}`,
            text: 'Estou de férias até 10/01, com acesso limitado ao e-mail. Abraços, Ana',
          }),
        ),
      );
    }
    for (const id of ids) await waitUntil(() => outcomes.get(id), 20_000, 'out-of-office ingested');
    await t.drainOutbox();
    await new Promise((r) => setTimeout(r, 300));
    expect(
      smtp.messages
        .slice(sentBefore)
        .filter((m) => m.raw.toString().includes('acesso limitado') || /cliente\d@customer\.test/.test(m.to.join(' '))),
    ).toEqual([]);
  });
});
