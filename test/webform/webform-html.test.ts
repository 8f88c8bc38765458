/**
 * Plain HTML forms (issue 16): a browser posting without JavaScript asks for text/html and
 * must land on a page a customer can read, not raw English JSON. The router over real HTTP
 * with the fake context.
 */
import { post, startFormServer, type FormServer } from './form-server.js';

const SITE = 'https://loja.example.com.br';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const fields = { nome: 'name', email: 'email', telefone: 'phone', mensagem: 'message' };
const base = { id: 'contato', mode: 'public', allowedOrigins: [SITE], fields, rateLimit: { perIpPerMinute: 100, perFormPerMinute: 1000 } };
const good = { nome: 'Maria', email: 'maria@example.com', mensagem: 'Meu pedido não chegou.' };

function browserPost(form: FormServer, values: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(form.url, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(values).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, accept: BROWSER_ACCEPT, ...headers },
  });
}

describe('a plain HTML form without redirect', () => {
  let form: FormServer;
  afterEach(() => form.stop());

  it('thanks the customer in Portuguese with the new ticket number, on a page that runs nothing', async () => {
    form = await startFormServer(base);
    const res = await browserPost(form, good, { 'accept-language': 'pt-BR,pt;q=0.9' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('Obrigado! Recebemos a sua mensagem.');
    expect(html).toContain('#10001');
    expect(html).toContain(`<a href="${SITE}">Voltar</a>`);
    expect(html).not.toMatch(/<script/i);
    expect(form.ctx.ingested).toHaveLength(1);
  });

  it("answers in the browser's language, and the form's own locale wins", async () => {
    form = await startFormServer(base);
    expect(await (await browserPost(form, good, { 'accept-language': 'es-AR,es;q=0.9' })).text()).toContain('¡Gracias!');
    await form.stop();
    form = await startFormServer({ ...base, locale: 'en' });
    expect(await (await browserPost(form, good, { 'accept-language': 'es-AR,es;q=0.9' })).text()).toContain('Thank you!');
  });

  it('shows what to fix on a 400 page, every value escaped', async () => {
    form = await startFormServer(base);
    const res = await browserPost(
      form,
      { nome: 'Maria', email: '<script>alert(1)</script>@x', mensagem: '' },
      { 'accept-language': 'pt-BR' },
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Não foi possível enviar');
    expect(html).toContain('Alguns campos estão faltando ou inválidos.');
    expect(html).toContain('<strong>email</strong>');
    expect(html).toContain('<strong>mensagem</strong>');
    expect(html).not.toMatch(/<script/i);
    expect(form.ctx.ingested).toHaveLength(0);
  });

  it('still answers JSON to a script (fetch sends */*)', async () => {
    form = await startFormServer(base);
    const r = await post(form.url, JSON.stringify(good), { 'content-type': 'application/json', origin: SITE });
    expect(r).toMatchObject({ status: 201, json: { ticketNumber: 10001, created: true } });
  });
});

describe('a plain HTML form with redirect', () => {
  let form: FormServer;
  const redirect = { success: `${SITE}/obrigado?origem=form`, error: `${SITE}/erro` };
  beforeEach(async () => {
    form = await startFormServer({ ...base, redirect });
  });
  afterEach(() => form.stop());

  it('sends the browser to the success page with the ticket it created (303)', async () => {
    const res = await browserPost(form, good);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${SITE}/obrigado?origem=form&ticket=10001`);
  });

  it('names no ticket when the submission was not the one that created it (a repeated post)', async () => {
    await browserPost(form, { ...good, submissionId: 'sub-1' });
    const again = await browserPost(form, { ...good, submissionId: 'sub-1' });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(`${SITE}/obrigado?origem=form`);
  });

  it('sends a refused submission to the error page with the code, and a bot to the success page with nothing', async () => {
    const bad = await browserPost(form, { nome: 'Maria', mensagem: 'sem contato' });
    expect(bad.status).toBe(303);
    expect(bad.headers.get('location')).toBe(`${SITE}/erro?error=validation_failed`);
    const bot = await browserPost(form, { ...good, website: 'http://spam.example' });
    expect(bot.headers.get('location')).toBe(`${SITE}/obrigado?origem=form`);
    expect(form.ctx.ingested).toHaveLength(0);
  });

  it('refuses a redirect URL that is not absolute http(s) at config check', async () => {
    await expect(startFormServer({ ...base, id: 'x', redirect: { success: 'javascript:alert(1)', error: '/erro' } })).rejects.toThrow(
      /absolute http\(s\) URL/,
    );
  });
});
