/**
 * Replies as common clients write them (Gmail, Outlook desktop/web, Apple Mail, iOS, Android,
 * Yahoo, Zimbra, Roundcube), in pt-BR, es and en: the reply text an agent sees.
 */
import { extractReply } from '../../channels/email/parse/index.js';

const cases: Array<[string, string, string | undefined, string]> = [
  [
    'ios pt',
    'Pode cancelar sim.\n\nEnviado do meu iPhone\n\n> Em 18 de mai. de 2026, à(s) 10:00, Suporte Loja <suporte@loja.com> escreveu:\n>\n> Olá!',
    undefined,
    'Pode cancelar sim.',
  ],
  [
    'outlook bold pt',
    'Bom dia,\n\nsegue em anexo.\n\nAtt,\nCarlos\n\n*De:* Suporte <suporte@loja.com>\n*Enviado:* segunda-feira, 18 de maio de 2026 10:00\n*Para:* Carlos <c@x.com>\n*Assunto:* RE: Pedido\n\nOlá',
    undefined,
    'Bom dia,\n\nsegue em anexo.\n\nAtt,\nCarlos',
  ],
  [
    'outlook html pt',
    '',
    "<html><body><div class=WordSection1><p class=MsoNormal>Bom dia,<o:p></o:p></p><p class=MsoNormal>O boleto venceu.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b>De:</b> Suporte &lt;suporte@loja.com&gt; <br><b>Enviada em:</b> segunda-feira, 18 de maio de 2026 10:00<br><b>Para:</b> Ana<br><b>Assunto:</b> Pedido<o:p></o:p></p></div></div><p class=MsoNormal>Olá Ana<o:p></o:p></p></div></body></html>",
    'Bom dia,\n\nO boleto venceu.',
  ],
  [
    'gmail html pt',
    '',
    '<div dir="ltr"><div>Oi, ainda não recebi.</div><div><br></div></div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">Em seg., 18 de mai. de 2026 às 10:00, Suporte &lt;<a href="mailto:s@loja.com">s@loja.com</a>&gt; escreveu:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div dir="ltr">Olá</div></blockquote></div>',
    'Oi, ainda não recebi.',
  ],
  [
    'outlook web pt',
    '',
    '<div>Obrigada!</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>De:</b> Suporte<br><b>Enviado:</b> segunda-feira<br></font><div>&nbsp;</div></div><div>Olá</div>',
    'Obrigada!',
  ],
  ['android gmail es', 'Gracias\n\nEl lun., 18 may. 2026 10:00, Soporte <s@t.es> escribió:\n\n> Hola', undefined, 'Gracias'],
  [
    'apple mail en html',
    '',
    '<html><body dir="auto">Sounds good<br><br><div dir="ltr">Sent from my iPhone</div><div dir="ltr"><br><blockquote type="cite">On May 18, 2026, at 10:00, Support &lt;s@x.com&gt; wrote:<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">Hello</div></blockquote></body></html>',
    'Sounds good',
  ],
  [
    'zimbra pt',
    '',
    '<div>Certo, obrigado.</div><br><hr id="zwchr"><div><b>De: </b>"Suporte" &lt;s@loja.com&gt;<br><b>Para: </b>x@y.com<br><b>Enviadas: </b>Segunda-feira</div><div>Olá</div>',
    'Certo, obrigado.',
  ],
  ['roundcube pt', 'Recebido.\n\nEm 18/05/2026 10:00, Suporte escreveu:\n> Olá', undefined, 'Recebido.'],
  [
    'forward pt',
    'Vejam abaixo o erro.\n\n---------- Forwarded message ---------\nDe: Banco <no-reply@banco.com>\nDate: seg., 18 de mai. de 2026\nSubject: Erro\n\nErro 42',
    undefined,
    'Vejam abaixo o erro.',
  ],
  [
    'outlook text en',
    'Thanks!\n\nFrom: Support <s@x.com>\nSent: Monday, May 18, 2026 10:00 AM\nTo: Me <me@x.com>\nSubject: RE: Order\n\nHi',
    undefined,
    'Thanks!',
  ],
  ['yahoo pt', 'Ok\n\n\n    Em segunda-feira, 18 de maio de 2026 10:00:00 BRT, Suporte <s@loja.com> escreveu:\n\n\nOlá', undefined, 'Ok'],
  [
    'no quote at all',
    'Gostaria de saber o prazo de entrega para o CEP 01001-000.\n\nObrigado,\nJoão',
    undefined,
    'Gostaria de saber o prazo de entrega para o CEP 01001-000.\n\nObrigado,\nJoão',
  ],
];

describe('reply extraction for common clients', () => {
  it.each(cases)('%s', (_name, text, html, expected) => {
    expect(extractReply(text, html, 'Fulano <f@x.com>').reply).toBe(expected);
  });

  it('keeps the full text when nothing but a quote was sent', () => {
    expect(extractReply('> Olá\n> tudo bem?', undefined, undefined).reply).toBe('> Olá\n> tudo bem?');
  });
});
