import {
  bounceBodyCues,
  isAutoReplySubject,
  isBounceSubject,
  isChallengeBody,
  isDaemonSender,
  isListNotice,
  isListSoftwareSender,
} from './mail-cues.js';

describe('mail cues', () => {
  it.each([
    ['mailer-daemon@mx.example', '', true],
    ['', 'MAILER-DAEMON', true],
    ['postmaster\\@x.example', '', true],
    ['Symantec_AntiVirus_for_SMTP_Gateways@csri.example', '', true],
    ['MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.example', '', true],
    ['maria@example.com', 'Maria', false],
    ['postmaster-fan@example.com', 'Ana', false],
  ])('daemon sender %s / %s -> %s', (address, name, expected) => {
    expect(isDaemonSender(address, name)).toBe(expected);
  });

  it.each([
    ['Undeliverable: Pedido 123', true],
    ['Delivery Status Notification (Failure)', true],
    ['RE: Your message to GPC-talk awaits moderator approval : non remis', true],
    ['Mail delivery failed: returning message to sender', true],
    ['Unzustellbar: Bestellung', true],
    ['配信エラー', true],
    ['Pedido 123 não chegou', false],
    ['Re: hello', false],
  ])('bounce subject %s -> %s', (subject, expected) => {
    expect(isBounceSubject(subject)).toBe(expected);
  });

  it.each([
    ['Automatic reply: Pedido 123', true],
    ['Resposta automática: Pedido', true],
    ['Abwesenheitsnotiz: Bestellung', true],
    ['AUTO: Smith, John is out of the office', true],
    ['Arpus biroja atrasanas automatiska atbilde: x', true],
    ['自動応答: ご注文', true],
    ['Reserva de férias em julho', false],
    ['Absence of invoice', false],
  ])('auto-reply subject %s -> %s', (subject, expected) => {
    expect(isAutoReplySubject(subject)).toBe(expected);
  });

  it('counts a failure phrase and an SMTP status as two bounce cues, ordinary text as none', () => {
    expect(bounceBodyCues('Delivery to the following recipients failed.\n  a@b.example\n550 5.1.1 user unknown')).toBe(2);
    expect(bounceBodyCues('Your message could not be delivered to duke@ald.example')).toBe(1);
    expect(bounceBodyCues('My order was not delivered, can you check? I am at 550 Main St.')).toBe(0);
  });

  it('recognizes list software and challenge-response', () => {
    expect(isListSoftwareSender('gpc-talk-bounces@grizz.example')).toBe(true);
    expect(isListSoftwareSender('owner-list@lists.example')).toBe(true);
    expect(isListSoftwareSender('maria@example.com')).toBe(false);
    expect(isListNotice('Your message to List awaits moderator approval', '')).toBe(true);
    expect(isChallengeBody("Please click on the\nfollowing link to have your address added to the recipient's allowed\nlist")).toBe(true);
    expect(isChallengeBody('Please click the link in our last mail, the page did not load.')).toBe(false);
  });

  it('stays linear on hostile subjects and bodies', () => {
    const hostile = [
      'message '.repeat(5_000),
      'delivery '.repeat(5_000),
      '550 '.repeat(5_000),
      'a'.repeat(50_000),
      'click the link '.repeat(3_000),
      '-'.repeat(50_000),
    ];
    const t0 = performance.now();
    for (const h of hostile) {
      bounceBodyCues(h);
      isBounceSubject(h);
      isAutoReplySubject(h);
      isChallengeBody(h);
      isListNotice(h, h);
      isDaemonSender(h, h);
      isListSoftwareSender(h);
    }
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
