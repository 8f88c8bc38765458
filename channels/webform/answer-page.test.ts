import { escapeHtml, renderErrorPage, renderSuccessPage } from './answer-page.js';

describe('answer pages', () => {
  it('thanks in the form language, with the number only when given', () => {
    const pt = renderSuccessPage({ locale: 'pt-BR', ticketNumber: 10002 });
    expect(pt).toContain('<html lang="pt-BR">');
    expect(pt).toContain('Obrigado! Recebemos a sua mensagem.');
    expect(pt).toContain('#10002');
    const es = renderSuccessPage({ locale: 'es' });
    expect(es).toContain('¡Gracias!');
    expect(es).not.toMatch(/#\d{5}/);
    expect(renderSuccessPage({ locale: 'en' })).toContain('Thank you!');
  });

  it('escapes every value and carries no script', () => {
    const page = renderErrorPage({
      locale: 'en',
      error: 'validation_failed',
      issues: [{ path: '<img src=x onerror=alert(1)>', message: '"quoted" & <b>bold</b>' }],
      backUrl: 'https://loja.example.com.br/"><script>alert(1)</script>',
    });
    expect(page).toContain('Some fields are missing or invalid.');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(page).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
  });

  it('has a generic line for an error it has no words for', () => {
    expect(renderErrorPage({ locale: 'pt-BR', error: 'something_new' })).toContain('O envio não pôde ser aceito.');
  });

  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });
});
