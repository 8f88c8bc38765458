/**
 * Reply extraction by family (issue 11): headers built from date, name, address and verb in the
 * languages of real clients, Outlook blocks (plain, bold, right-to-left), separator and header on
 * one line, name-before-verb headers over an indented quote, device lines (also at the very
 * top), the customer's last line never swallowed, help-desk "reply above this line" markers.
 * Each case is written from how the clients format them, not copied from one fixture.
 */
import { stripReply } from './strip-reply.js';

const Q = '> Texto anterior da conversa.\n> Segunda linha.';

const headers: Array<[string, string]> = [
  ['pt Gmail', 'Em seg., 18 de mai. de 2026 às 10:00, Suporte Loja <suporte@loja.example> escreveu:'],
  ['es Gmail', 'El lun, 18 may 2026 a las 10:00, Soporte <soporte@tienda.example> escribió:'],
  ['en Gmail', 'On Mon, May 18, 2026 at 10:00 AM Support <support@shop.example> wrote:'],
  ['de Gmail', 'Am Mo., 18. Mai 2026 um 10:00 Uhr schrieb Support <support@shop.example>:'],
  ['de name before verb', 'Support <support@shop.example> schrieb am Montag, 18. Mai 2026 um 10:00:'],
  ['fr Gmail', 'Le lun. 18 mai 2026 à 10:00, Support <support@shop.example> a écrit :'],
  ['it Gmail', 'Il giorno lun 18 mag 2026 alle ore 10:00 Supporto <s@negozio.example> ha scritto:'],
  ['nl Gmail', 'Op ma 18 mei 2026 om 10:00 schreef Support <support@winkel.example>:'],
  ['pl Apple', 'Wiadomość napisana przez Obsługa <o@sklep.example> w dniu 18.05.2026, o godz. 10:00:'],
  ['pl Gmail', 'Dnia 18 maja 2026 10:00 Obsługa <o@sklep.example> napisał(a):'],
  ['ar Gmail', 'في الاثنين، 18 مايو 2026 10:00 ص، الدعم <support@shop.example> كتب:'],
  ['el Gmail', 'Στις Δευ 18 Μαΐ 2026 στις 10:00, ο/η Υποστήριξη <support@shop.example> έγραψε:'],
  ['hu Gmail', '2026. máj. 18., H 10:00 napon Támogatás <support@shop.example> ezt írta:'],
  ['ro Gmail', 'Pe lun., 18 mai 2026 la 10:00, Suport <suport@magazin.example> a scris:'],
  ['cs Gmail', 'po 18. 5. 2026 v 10:00 odesílatel Podpora <podpora@obchod.example> napsal:'],
  ['sv Gmail', 'Den mån 18 maj 2026 kl 10:00 skrev Support <support@butik.example>:'],
  ['tr Gmail', 'Destek <destek@magaza.example>, 18 May 2026 Pzt, 10:00 tarihinde şunu yazdı:'],
  ['ru Gmail', 'пн, 18 мая 2026 г. в 10:00, Поддержка <support@shop.example>:'],
  ['uk Gmail', '18 трав. 2026 р. о 10:00 Підтримка <support@shop.example> пише:'],
  ['ja Gmail', '2026年5月18日(月) 10:00 サポート <support@shop.example>:'],
  ['zh Gmail', 'Support <support@shop.example> 于2026年5月18日周一 10:00写道：'],
  ['old Gmail date first', '2016-03-03 17:21 GMT+01:00 Some One <some.one@shop.example>:'],
];

describe('reply headers in many languages cut the quote', () => {
  it.each(headers)('%s', (_name, header) => {
    const r = stripReply(`Obrigado, resolvido.\n\n${header}\n${Q}`);
    expect(r.reply).toBe('Obrigado, resolvido.');
    expect(r.quoted).toContain('Segunda linha.');
  });

  it.each(headers)('%s, with no quote marks below (Outlook-style plain history)', (_name, header) => {
    const r = stripReply(`Obrigado, resolvido.\n\n${header}\n\nTexto anterior da conversa.`);
    expect(r.reply).toBe('Obrigado, resolvido.');
  });
});

const outlook: Array<[string, string]> = [
  [
    'pt plain',
    'De: Suporte <s@loja.example>\nEnviado: segunda-feira, 18 de maio de 2026 10:00\nPara: Ana <a@x.example>\nAssunto: RE: Pedido',
  ],
  [
    'fr bold',
    '**De :** Support <s@shop.example>\n**Envoyé :** lundi 18 mai 2026 10:00\n**À :** Ana <a@x.example>\n**Objet :** RE: Commande',
  ],
  ['de', 'Von: Support <s@shop.example>\nGesendet: Montag, 18. Mai 2026 10:00\nAn: Ana <a@x.example>\nBetreff: AW: Bestellung'],
  ['pl', 'Od: Obsługa <o@sklep.example>\nWysłano: poniedziałek, 18 maja 2026 10:00\nDo: Ana <a@x.example>\nTemat: RE: Zamówienie'],
  [
    'ar right-to-left',
    '\u200fمن: الدعم <s@shop.example>\n\u200fتاريخ الإرسال: الاثنين، 18 مايو 2026 10:00\n\u200fإلى: Ana <a@x.example>\n\u200fالموضوع: RE: طلب',
  ],
  ['zh fullwidth colons', '发件人： Support <s@shop.example>\n发送时间： 2026年5月18日 10:00\n收件人： Ana <a@x.example>\n主题： RE: 订单'],
  [
    'separator and header on one line (de)',
    '-----Ursprüngliche Nachricht----- Von: Support <s@shop.example>\nGesendet: Montag, 18. Mai 2026 10:00',
  ],
  ['separator and header on one line (pt)', '-----Mensagem original----- De: Suporte <s@loja.example>\nEnviada em: segunda-feira'],
];

describe('Outlook/Exchange header blocks', () => {
  it.each(outlook)('%s', (_name, block) => {
    expect(stripReply(`Segue o anexo.\n\n${block}\n\nMensagem anterior.`).reply).toBe('Segue o anexo.');
  });

  it('a header block at the very top (a forwarded-looking paste) is skipped, not a cut that leaves nothing', () => {
    const r = stripReply(
      'Od: Jan <jan@x.example>\nWysłano: środa, 1 marca 2023 12:00\nDo: Anna <anna@y.example>\nTemat: Re: Test\n\nCześć Anno,\n\nJak się masz?\n\nDnia 28 lutego 2023 14:00 Anna <anna@y.example> napisał(a):\n> Wszystko w porządku.',
    );
    expect(r.reply).toBe('Cześć Anno,\n\nJak się masz?');
  });
});

describe('the quote under a header is history, the customer text is never cut', () => {
  it('a name-before-verb header over an indented quote', () => {
    const r = stripReply(
      'Danke, erledigt.\n\nSupport Team <support@shop.example> schrieb am Mo., 18. Mai 2026 um 10:00:\n\n    Guten Tag,\n    Ihre Bestellung ist unterwegs.',
    );
    expect(r.reply).toBe('Danke, erledigt.');
  });

  it('the customer last line starting like a header word stays (pt "Em anexo …")', () => {
    const r = stripReply(
      'Bom dia,\nEm anexo o comprovante\nEm seg., 18 de mai. de 2026 às 10:00, Suporte <s@loja.example>\nescreveu:\n> Envie o comprovante.',
    );
    expect(r.reply).toBe('Bom dia,\nEm anexo o comprovante');
  });

  it('the customer last line starting with "On" stays', () => {
    const r = stripReply(
      'Thanks.\nOn my side nothing changed\nOn Mon, May 18, 2026 at 10:00 AM Support <\nsupport@shop.example> wrote:\n> Did it work?',
    );
    expect(r.reply).toBe('Thanks.\nOn my side nothing changed');
  });

  it('a header with its quote in the middle is hidden, text after it stays (inline style)', () => {
    const r = stripReply('Answers below.\nOn Tue, 2011-03-01 at 18:02 +0530, Some One wrote:\n> Question one?\n\nYes, it works.');
    expect(r.reply).not.toContain('wrote:');
    expect(r.reply).not.toContain('Question one?');
    expect(r.reply).toContain('Answers below.');
    expect(r.reply).toContain('Yes, it works.');
  });

  it('a bare quote between texts (an inline answer) stays visible', () => {
    expect(stripReply('Hi,\n> Can you send the invoice?\nSent it this morning.').reply).toBe(
      'Hi,\n> Can you send the invoice?\nSent it this morning.',
    );
  });

  it('a reply header above the answer (Android Gmail) is hidden, not a cut that leaves nothing', () => {
    expect(stripReply('On 15 May 2017 19:32, "Support" <support@shop.example> wrote:\n\nThe refund arrived, thanks.').reply).toBe(
      'The refund arrived, thanks.',
    );
  });

  it('a forward at the very top keeps what was forwarded (the customer sent it on purpose)', () => {
    const r = stripReply(
      '---------- Forwarded message ----------\nFrom: Bank <no-reply@bank.example>\nDate: Thu, Jan 28, 2016 at 4:00 PM\nSubject: Error\nTo: ana@x.example\n\nPayment 42 was refused.',
    );
    expect(r.reply).toBe('Payment 42 was refused.');
  });

  it('an empty result falls back to the whole text', () => {
    expect(stripReply('> only a quote').reply).toBe('');
  });
});

describe('device lines and markers', () => {
  it.each([
    ['Enviado do meu iPhone'],
    ['Verzonden vanaf mijn iPhone'],
    ['Trimis de pe iPhone-ul meu'],
    ['Elküldve az iPhone-omról'],
    ['Outlook für iOS beziehen'],
    ['Wysłane z mojego Samsunga'],
  ])('"%s" ends the reply', (device) => {
    expect(stripReply(`Pode cancelar.\n\n${device}\n\nEm 18/05/2026 10:00, Suporte escreveu:\nOlá`).reply).toBe('Pode cancelar.');
  });

  it('a device line at the very top is dropped, the text below kept', () => {
    expect(
      stripReply('Sent from my iPhone\n\nPlease cancel my order.\n\nOn Mon, May 18, 2026 at 10:00 AM Support <s@shop.example> wrote:\n> Hi')
        .reply,
    ).toBe('Please cancel my order.');
  });

  it.each([
    ['##- Please type your reply above this line -##'],
    ['## Bitte gib deine Antwort oberhalb dieser Zeile ein. ##'],
    ['--- Responda acima desta linha ---'],
  ])('"%s" ends the reply', (marker) => {
    expect(stripReply(`Resolvido, obrigado.\n\n${marker}\n\nSeu chamado #123 foi atualizado.`).reply).toBe('Resolvido, obrigado.');
  });
});
