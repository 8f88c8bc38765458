import type { OutboundMessage } from '../../src/domain/outbound.js';
import { ChannelError } from '../../src/domain/errors.js';
import { automaticTemplatesSchema } from './automatic-templates.js';
import { mediaTypeFor, planSend, splitText, windowOpen } from './outbound-plan.js';
import { outboundMessage } from '../../test/support/outbound-message.js';

const NOW = Date.UTC(2026, 4, 19, 20, 0, 0);
const H = 3600_000;

function msg(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return outboundMessage({
    channelId: 'wa-cloud',
    ticket: { id: 't1', number: 48213, subject: 's', subjectToken: '[#48213]', locale: 'pt-BR' },
    text: 'Oi Mariana!',
    ...over,
  });
}

function thrown(fn: () => unknown): ChannelError {
  try {
    fn();
  } catch (e) {
    return e as ChannelError;
  }
  throw new Error('expected a throw');
}

describe('the 24-hour customer-service window', () => {
  it.each([
    ['wrote 1 h ago', NOW - 1 * H, true],
    ['wrote exactly 24 h ago', NOW - 24 * H, true],
    ['wrote 24 h and 1 s ago', NOW - 24 * H - 1000, false],
    ['wrote 30 h ago', NOW - 30 * H, false],
    ['never wrote', undefined, false],
  ])('%s -> open=%s', (_l, last, open) => {
    expect(windowOpen(last, NOW, 24)).toBe(open);
  });

  it('refuses free text outside the window with a clear, non-retryable error naming the template', () => {
    const e = thrown(() => planSend({ message: msg(), now: NOW, windowHours: 24, lastInboundAt: NOW - 30 * H }));
    expect(e).toBeInstanceOf(ChannelError);
    expect(e.code).toBe('whatsapp_window_closed');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/24 hours/);
    expect(e.message).toMatch(/30 h ago/);
    expect(e.message).toMatch(/template/);
  });

  it('refuses when the customer never wrote', () => {
    expect(thrown(() => planSend({ message: msg(), now: NOW, windowHours: 24 })).message).toMatch(/never written/);
  });

  it('sends a template outside the window (cloud-send-template-outside-window)', () => {
    const plan = planSend({
      message: msg({ template: { name: 'retomada_atendimento', language: 'pt_BR', params: ['Mariana', '#48213'] } }),
      now: NOW,
      windowHours: 24,
      lastInboundAt: NOW - 30 * H,
    });
    expect(plan.steps).toEqual([
      {
        kind: 'payload',
        payload: {
          to: '5511987654321',
          type: 'template',
          template: {
            name: 'retomada_atendimento',
            language: { code: 'pt_BR' },
            components: [
              {
                type: 'body',
                parameters: [
                  { type: 'text', text: 'Mariana' },
                  { type: 'text', text: '#48213' },
                ],
              },
            ],
          },
        },
      },
    ]);
  });

  describe('automatic messages and the templates configured per kind', () => {
    const templates = automaticTemplatesSchema.parse({ auto_ack: { name: 'ponte_ack', language: 'pt_BR', params: ['ticket.token'] } });
    const ack = msg({ automatic: true, purpose: 'auto_ack', text: 'Recebemos!' });
    test.each([
      ['inside the window: plain text', NOW - H, ack, 'text'],
      ['outside, kind configured: its template', NOW - 30 * H, ack, 'template'],
      [
        'outside, kind not configured: window closed',
        NOW - 30 * H,
        msg({ automatic: true, purpose: 'reminder' }),
        'whatsapp_window_closed',
      ],
      [
        'outside, a human reply: window closed (never a template by itself)',
        NOW - 30 * H,
        msg({ automatic: false, purpose: 'reply' }),
        'whatsapp_window_closed',
      ],
    ] as const)('%s', (_what, lastInboundAt, message, outcome) => {
      const run = () => planSend({ message, now: NOW, windowHours: 24, lastInboundAt, templates });
      if (outcome === 'whatsapp_window_closed') {
        expect(thrown(run)).toMatchObject({ code: outcome, retryable: false });
        return;
      }
      const payload = (run().steps[0] as { payload: Record<string, unknown> }).payload;
      expect(payload.type).toBe(outcome);
      if (outcome === 'template') {
        expect(payload.template).toEqual({
          name: 'ponte_ack',
          language: { code: 'pt_BR' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: '[#48213]' }] }],
        });
      }
    });
  });
});

describe('recipient', () => {
  const inside = { now: NOW, windowHours: 24, lastInboundAt: NOW - H };
  it.each([
    ['the JID that wrote (legacy Brazilian, no 9)', { kind: 'whatsapp', address: '558187654321@s.whatsapp.net' }, '558187654321'],
    ['a JID with a device suffix', { kind: 'whatsapp', address: '5511987654321:12@s.whatsapp.net' }, '5511987654321'],
    ['a typed E.164 phone, as typed (13 digits)', { kind: 'phone', address: '+5581987654321' }, '5581987654321'],
  ] as const)('%s', (_l, recipient, to) => {
    expect(planSend({ message: msg({ recipient }), ...inside }).target).toEqual({ to, waId: to });
  });

  it('follows a customer who changed number', () => {
    expect(planSend({ message: msg(), ...inside, movedTo: '5511976543210' }).target).toEqual({
      to: '5511976543210',
      waId: '5511976543210',
    });
  });

  it('addresses a BSUID-only user by recipient', () => {
    const plan = planSend({ message: msg({ recipient: { kind: 'whatsapp_bsuid', address: 'BR.1502576394655843' } }), ...inside });
    expect(plan.steps[0]).toMatchObject({ payload: { recipient: 'BR.1502576394655843', type: 'text' } });
  });

  it.each([
    [{ kind: 'email', address: 'a@b.c' }, 'whatsapp_recipient_unsupported'],
    [{ kind: 'whatsapp_lid', address: '203948571620394@lid' }, 'whatsapp_recipient_unsupported'],
    [{ kind: 'whatsapp', address: '120363025@g.us' }, 'whatsapp_recipient_invalid'],
  ] as const)('refuses %j', (recipient, code) => {
    expect(thrown(() => planSend({ message: msg({ recipient }), ...inside })).code).toBe(code);
  });
});

describe('message shape (cloud-send-text-request-response)', () => {
  const inside = { now: NOW, windowHours: 24, lastInboundAt: NOW - H };
  it('quotes the answered message and turns off link previews', () => {
    const plan = planSend({ message: msg({ threading: { inReplyTo: 'wamid.Q', references: ['wamid.Q'] } }), ...inside });
    expect(plan.steps).toEqual([
      {
        kind: 'payload',
        payload: {
          to: '5511987654321',
          context: { message_id: 'wamid.Q' },
          type: 'text',
          text: { preview_url: false, body: 'Oi Mariana!' },
        },
      },
    ]);
  });

  it('sends text first, then one message per attachment, choosing the media type by type and size', () => {
    const plan = planSend({
      message: msg({
        attachments: [
          { blobKey: 'k1', filename: 'a.jpg', contentType: 'image/jpeg', size: 1000 },
          { blobKey: 'k2', filename: 'b.pdf', contentType: 'application/pdf', size: 1000 },
        ],
      }),
      ...inside,
    });
    expect(plan.steps.map((s) => (s.kind === 'media' ? s.mediaType : 'text'))).toEqual(['text', 'image', 'document']);
  });

  it('refuses an empty reply', () => {
    expect(thrown(() => planSend({ message: msg({ text: '   ' }), ...inside })).code).toBe('whatsapp_empty_message');
  });

  it.each([
    ['image/jpeg', 1_000, 'image'],
    ['image/png', 6 * 1024 * 1024, 'document'],
    ['video/mp4', 10 * 1024 * 1024, 'video'],
    ['audio/ogg; codecs=opus', 1_000, 'audio'],
    ['image/webp', 1_000, 'document'],
    ['application/zip', 1_000, 'document'],
  ])('%s of %i bytes -> %s', (type, size, expected) => {
    expect(mediaTypeFor(type, size)).toBe(expected);
  });

  it('refuses files over the 100 MB document limit', () => {
    expect(thrown(() => mediaTypeFor('application/pdf', 101 * 1024 * 1024)).code).toBe('whatsapp_media_too_large');
  });
});

describe('splitText', () => {
  it('keeps short text whole and splits long text at spaces within the limit', () => {
    expect(splitText('abc', 10)).toEqual(['abc']);
    const parts = splitText('aaaa bbbb cccc dddd', 10);
    expect(parts).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(parts.every((p) => p.length <= 10)).toBe(true);
  });

  it('never cuts an emoji in half', () => {
    const text = `${'x'.repeat(9)}😕yyy`;
    const parts = splitText(text, 10);
    expect(parts.join('')).toBe(text);
    expect(parts[0]).toBe('x'.repeat(9));
  });

  it('splits a 10 000-character reply into parts of at most 4096', () => {
    const parts = splitText('palavra '.repeat(1250));
    expect(parts.length).toBe(3);
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
  });
});
