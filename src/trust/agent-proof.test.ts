import { agentProof } from './agent-proof.js';

const ana = { id: 'AG1', email: 'ana@loja.example', phone: '5511999990000' };

describe('agentProof', () => {
  test('WhatsApp proves the phone; the same phone from a form proves nothing', () => {
    expect(agentProof(ana, { level: 'channel' }, [], ['5511999990000'])).toEqual({ ok: true });
    expect(agentProof(ana, { level: 'none' }, [], ['5511999990000'])).toEqual({
      ok: false,
      reason: 'the channel proves nothing about the sender',
    });
  });

  test('an email needs this agent’s reply token, with no authentication failure', () => {
    expect(agentProof(ana, { level: 'authenticated' }, ['ana@loja.example'], [])).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no reply token'),
    });
    expect(agentProof(ana, { level: 'none', agentToken: { agentId: 'AG2', ticketNumber: 7 } }, ['ana@loja.example'], [])).toMatchObject({
      ok: false,
      reason: expect.stringContaining('another agent'),
    });
    expect(
      agentProof(
        ana,
        { level: 'none', agentToken: { agentId: 'ag1', ticketNumber: 7 }, authFailure: 'dmarc=fail' },
        ['ana@loja.example'],
        [],
      ),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('dmarc=fail') });
    expect(agentProof(ana, { level: 'none', agentToken: { agentId: 'ag1', ticketNumber: 7 } }, ['ana@loja.example'], [])).toEqual({
      ok: true,
      tokenTicket: 7,
    });
  });
});
