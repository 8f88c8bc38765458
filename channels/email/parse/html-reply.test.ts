import { splitHtmlReply } from './html-reply.js';

describe('splitHtmlReply', () => {
  it.each([
    [
      'Gmail gmail_quote',
      '<div dir="ltr">Pode trocar o tamanho?</div><br><div class="gmail_quote"><div class="gmail_attr">Em seg., 18 de mai. de 2026, Suporte &lt;s@loja.com&gt; escreveu:<br></div><blockquote class="gmail_quote">Olá</blockquote></div>',
      'gmail_quote',
      'Pode trocar o tamanho?',
    ],
    [
      'Outlook divRplyFwdMsg',
      '<div>Obrigado</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>De:</b> Suporte<br><b>Enviado:</b> segunda</div><div>texto antigo</div>',
      'appendonsend',
      'Obrigado',
    ],
    [
      'Outlook desktop border-top header block',
      '<div class="WordSection1"><p>Thanks</p><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p><b>From:</b> Support &lt;s@example.com&gt;<br><b>Sent:</b> Monday</p></div><p>old</p></div>',
      'border-top-header',
      'Thanks',
    ],
    [
      'Apple Mail blockquote type=cite',
      '<div>Sure.</div><div><br><blockquote type="cite"><div>On 18 May 2026, at 10:00, Support &lt;s@example.com&gt; wrote:</div><div>old</div></blockquote></div>',
      'blockquote-cite',
      'Sure.',
    ],
    [
      'Yahoo yahoo_quoted',
      '<div>Yes please</div><div id="yahoo_quoted_1234" class="yahoo_quoted"><div>On Monday, Support wrote:</div></div>',
      'yahoo_quoted',
      'Yes please',
    ],
    [
      'Thunderbird moz-cite-prefix',
      '<p>Fine</p><div class="moz-cite-prefix">On 18/05/2026 10:00, Support wrote:<br></div><blockquote type="cite">old</blockquote>',
      'moz-cite-prefix',
      'Fine',
    ],
    [
      'an <hr> followed by a header block',
      '<div>Hi there<hr><b>From: </b>bob@example.com<br><b>Sent: </b>Friday<br></div>',
      'hr-header',
      'Hi there',
    ],
    [
      'a plain blockquote under an "Em … escreveu:" line',
      '<p>Pode enviar.</p><p>Em 18/05/2026 10:00, Suporte &lt;s@loja.com&gt; escreveu:</p><blockquote style="border-left:1px solid #ccc">old</blockquote>',
      'blockquote-after-header',
      'Pode enviar.',
    ],
  ])('%s', (_name, html, marker, above) => {
    const split = splitHtmlReply(html)!;
    expect(split.marker).toBe(marker);
    expect(split.above.trim().startsWith(above)).toBe(true);
    expect(split.above).not.toContain('old');
  });

  it('returns undefined without a marker', () => {
    expect(splitHtmlReply('<p>Just a message</p><hr><p>with a rule</p>')).toBeUndefined();
    expect(splitHtmlReply('<p>As the docs say:</p><blockquote>quoted wisdom</blockquote><p>so yes.</p>')).toBeUndefined();
  });
});
