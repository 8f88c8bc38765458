import { isDeviceLine, stripReply } from './strip-reply.js';

const cases: Array<{ name: string; input: string; reply: string; quotedHas?: string; signature?: string; sender?: string }> = [
  {
    name: 'pt: Gmail header "Em … escreveu:"',
    input:
      'Olá, o pedido chegou quebrado.\n\nEm seg., 18 de mai. de 2026 às 14:02, Suporte <suporte@loja.com.br> escreveu:\n\n> Olá Maria, seu pedido foi enviado.\n',
    reply: 'Olá, o pedido chegou quebrado.',
    quotedHas: 'seu pedido foi enviado',
  },
  {
    name: 'pt: header split over two lines, quoted text not marked with >',
    input: 'Obrigada!\n\nEm 10 de julho de 2017 às 16:32:35, Loja - Suporte (\ncontato@loja.com) escreveu:\n\nOlá, tudo bem?\n',
    reply: 'Obrigada!',
  },
  {
    name: 'es: "El … escribió:"',
    input: 'Necesito la factura.\n\nEl lun, 18 may 2026 a las 10:00, Soporte <soporte@tienda.es> escribió:\n> ¿En qué podemos ayudar?\n',
    reply: 'Necesito la factura.',
  },
  {
    name: 'en: "On … wrote:" over three lines',
    input: 'Thanks, that worked.\n\nOn Wed, Dec 9, Support Team\n<support@example.com>\nwrote:\n> Try restarting.\n',
    reply: 'Thanks, that worked.',
  },
  {
    name: 'fr: "Le … a écrit :"',
    input: 'Merci beaucoup.\n\nLe lun. 15 nov. 2021 à 19:42, Support <support@acme.fr>\na écrit :\n\nBonjour,\n',
    reply: 'Merci beaucoup.',
  },
  {
    name: 'de: Outlook "-----Ursprüngliche Nachricht-----"',
    input:
      'Danke für die Info.\n\n-----Ursprüngliche Nachricht-----\nVon: Support <support@beispiel.de>\nGesendet: Montag, 5. Dezember 2016 17:00\nAn: kunde@beispiel.de\nBetreff: Ihre Anfrage\n\nHallo,\n',
    reply: 'Danke für die Info.',
    quotedHas: 'Ihre Anfrage',
  },
  {
    name: 'Outlook "From:/Sent:" block after an underscore line',
    input:
      'Outlook with a reply\n________________________________\nFrom: CRM <crm@example.com>\nSent: Friday, 23 March 2012 5:08 p.m.\nTo: John\nSubject: Hello\n\nOriginal text\n',
    reply: 'Outlook with a reply',
  },
  {
    name: 'pt Outlook block "De:/Enviado:" without a separator line',
    input:
      'Segue o comprovante.\n\nDe: Suporte <suporte@loja.com.br>\nEnviado: segunda-feira, 18 de maio de 2026 10:00\nPara: Maria\nAssunto: Pedido 123\n\nOlá Maria\n',
    reply: 'Segue o comprovante.',
  },
  {
    name: 'device line "Enviado do meu iPhone" ends the reply',
    input: 'Pode cancelar.\n\nEnviado do meu iPhone\n\n> Em 18/05/2026, às 10:00, Suporte <s@loja.com> escreveu:\n',
    reply: 'Pode cancelar.',
    signature: undefined,
  },
  {
    name: '"Sent from Outlook for Android" and "Enviado desde mi Samsung"',
    input: 'Ok\n\nSent from Outlook for Android\n',
    reply: 'Ok',
  },
  {
    name: '"-- " signature delimiter',
    input: 'See attached.\n\n-- \nMaria Silva\nACME Ltda\n',
    reply: 'See attached.',
    signature: 'Maria Silva',
  },
  {
    name: 'a sentence with "--" inside is not a signature',
    input: 'And here is a fix -- this is not a signature.\n\nkthxbai\n',
    reply: 'And here is a fix -- this is not a signature.\n\nkthxbai',
  },
  {
    name: 'inline answers between quotes stay visible, the leading and trailing quotes do not',
    input:
      'On Tue, Apr 29, 2014 at 4:22 PM, Agent <agent@example.com> wrote:\n> Question one?\n\nAnswer one.\n\n> Question two?\n\nAnswer two.\n\n> Old thread\n> more\n',
    reply: 'Answer one.\n\n> Question two?\n\nAnswer two.',
  },
  {
    name: 'bottom-posted reply: the quote above the answer is history',
    input: 'On 04/02/2012 06:26 PM, Megan wrote:\n> Hi\nHello\n',
    reply: 'Hello',
  },
  {
    name: 'a paragraph starting with "On" is not a header',
    input: 'On Thursday, I get proper rendering.\n\nOn the other hand it fails sometimes.\n',
    reply: 'On Thursday, I get proper rendering.\n\nOn the other hand it fails sometimes.',
  },
  {
    name: 'sender name alone as the last line is a signature',
    input: 'Please call me.\n\nJim Smith\n',
    sender: 'Jim Smith <jim@example.com>',
    reply: 'Please call me.',
  },
  {
    name: "mentioning one's own name in a sentence is kept",
    input: 'Hi,\n\nMy name is Jim Smith and I had a question.\n',
    sender: 'Jim Smith <jim@example.com>',
    reply: 'Hi,\n\nMy name is Jim Smith and I had a question.',
  },
  {
    name: 'CRLF input',
    input: 'Yes.\r\n\r\nOn Mon, May 18, 2026 at 10:00 AM Support <s@example.com> wrote:\r\n> Is it ok?\r\n',
    reply: 'Yes.',
  },
  { name: 'empty input', input: '', reply: '' },
  { name: 'only a quote', input: '> quoted only\n> more\n', reply: '' },
];

describe('stripReply', () => {
  it.each(cases)('$name', ({ input, reply, quotedHas, signature, sender }) => {
    const r = stripReply(input, sender ? { sender } : {});
    expect(r.reply).toBe(reply);
    if (quotedHas) expect(r.quoted).toContain(quotedHas);
    if (signature) expect(r.signature).toContain(signature);
  });

  it('stays linear on hostile input (long lines, many header-like lines)', () => {
    const inputs = [
      ' '.repeat(1_000_000) + 'x',
      'On '.repeat(200_000) + 'wrote:',
      'On Monday a@b.com 1\n'.repeat(50_000),
      '>'.repeat(500_000) + '\nx\n' + '> a\nb\n'.repeat(50_000),
      'From: x\n'.repeat(100_000),
    ];
    for (const input of inputs) {
      const t0 = performance.now();
      stripReply(input);
      expect(performance.now() - t0).toBeLessThan(8000);
    }
  });
});

describe('isDeviceLine', () => {
  it.each([
    ['Sent from my iPhone', true],
    ['Enviado do meu iPhone', true],
    ['Enviado desde mi Samsung Galaxy', true],
    ['Sent from Outlook for Android', true],
    ['Envoyé à partir de Outlook pour iOS<https://aka.ms/o0ukef>', true],
    ['Sent from my desk, is much easier then my mobile phone.', false],
    ['I sent from my iPhone app yesterday', false],
    ['Enviado com sucesso', false],
    ['Obter o Outlook para Android', true],
    ['Enviado do Yahoo Mail para Android', true],
    ['Sent with Sparrow (http://www.sparrowmailapp.com/?sig)', true],
  ])('%s -> %s', (line, expected) => {
    expect(isDeviceLine(line)).toBe(expected);
  });
});
