/**
 * The OpenAPI document against real answers: every request below is made against the running
 * app, and its status must be documented for that operation with a schema the body matches.
 * Covers the integration routes (webhooks, erasure, proactive tickets); the `/hooks/*` paths of
 * the configured channel kinds must be documented.
 */
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestChannelDefinition } from '../support/test-channel.js';
import { checkSchema } from './json-schema-check.js';

const mail = createTestChannelDefinition('test', 'email', ['email']);

describe('OpenAPI document matches real responses', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
  const seen: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ definitions: [mail.definition], channels: [{ id: 'mail', kind: 'test' }] });
    doc = (await t.api('GET', '/api/openapi.json')).body;
  });
  afterAll(() => t?.stop());

  /** Calls the API and checks the answer against the documented operation `template`. */
  async function call(method: string, url: string, template: string, body?: unknown, token?: string) {
    const r = await t.api(method, url, body, token);
    const op = doc.paths[template]?.[method.toLowerCase()];
    expect({ op: `${method} ${template}`, documented: !!op }).toEqual({ op: `${method} ${template}`, documented: true });
    const resp = op!.responses[String(r.status)];
    expect({ op: `${method} ${template}`, status: r.status, documented: !!resp }).toEqual({ op: `${method} ${template}`, status: r.status, documented: true });
    const schema = resp!.content?.['application/json']?.schema;
    if (r.status !== 204) {
      expect(schema).toBeDefined();
      expect({ op: `${method} ${template} ${r.status}`, errors: checkSchema(schema as object, r.body) }).toEqual({ op: `${method} ${template} ${r.status}`, errors: [] });
    }
    seen.push(`${method} ${template} ${r.status}`);
    return r;
  }

  test('webhooks, erasure and proactive tickets answer as documented (successes and errors)', async () => {
    const agent = await t.createAgent({ name: 'Bia', email: 'bia@loja.example' });
    await call('GET', '/api/webhooks', '/api/webhooks');
    await call('GET', '/api/webhooks', '/api/webhooks', undefined, agent.token);
    await call('GET', '/api/webhooks', '/api/webhooks', undefined, 'pt_not_a_real_token_123');
    const created = await call('POST', '/api/webhooks', '/api/webhooks', { url: 'http://127.0.0.1:9/x' });
    await call('POST', '/api/webhooks', '/api/webhooks', { url: 'nope' });
    const id = created.body.subscription.id as string;
    await call('PATCH', `/api/webhooks/${id}`, '/api/webhooks/{id}', { active: true });
    await call('PATCH', '/api/webhooks/zzz', '/api/webhooks/{id}', { active: true });
    await call('PATCH', `/api/webhooks/${id}`, '/api/webhooks/{id}', { color: 'red' });

    const ticket = await call('POST', '/api/tickets', '/api/tickets', { channel: 'mail', to: { address: 'gil@example.com' }, subject: 'Oi', body: 'Olá Gil' });
    await call('POST', '/api/tickets', '/api/tickets', { channel: 'mail', to: { address: 'gil@example.com' }, body: 'sem assunto' });
    const deliveries = await call('GET', `/api/webhooks/${id}/deliveries`, '/api/webhooks/{id}/deliveries');
    expect(deliveries.body.deliveries.length).toBeGreaterThan(0);
    await call('GET', '/api/webhooks/zzz/deliveries', '/api/webhooks/{id}/deliveries');
    await call('GET', `/api/webhooks/${id}/deliveries?status=lost`, '/api/webhooks/{id}/deliveries');
    await call('POST', `/api/webhooks/deliveries/${deliveries.body.deliveries[0].id}/redeliver`, '/api/webhooks/deliveries/{id}/redeliver');
    await call('POST', '/api/webhooks/deliveries/zzz/redeliver', '/api/webhooks/deliveries/{id}/redeliver');

    const contactId = ticket.body.contact.id as string;
    await call('DELETE', `/api/contacts/${contactId}`, '/api/contacts/{id}');
    await call('DELETE', `/api/contacts/${contactId}?confirm=erase`, '/api/contacts/{id}', undefined, agent.token);
    await call('DELETE', '/api/contacts/01J00000000000000000000000?confirm=erase', '/api/contacts/{id}');
    await call('DELETE', `/api/contacts/${contactId}?confirm=erase`, '/api/contacts/{id}');
    await call('GET', '/api/erasures', '/api/erasures');
    await call('GET', '/api/erasures?limit=0', '/api/erasures');
    await call('POST', '/api/tickets', '/api/tickets', { channel: 'mail', to: { contactId }, subject: 'Oi', body: 'de novo' });
    await call('DELETE', `/api/webhooks/${id}`, '/api/webhooks/{id}');
    expect(seen.length).toBe(23);
    // The check can fail: a body missing fields or with the wrong types does not match.
    const receiptSchema = doc.paths['/api/erasures']!.get!.responses['200']!.content!['application/json']!.schema;
    expect(checkSchema(receiptSchema, { receipts: [{ id: 1, scope: 'all' }] })).toEqual(expect.arrayContaining(['$.receipts[0].id: expected string, got integer', '$.receipts[0].contactId: required']));
  });

  test('the /hooks routes of the channel kinds are documented', () => {
    for (const p of ['/hooks/forms/{formId}', '/hooks/whatsapp-cloud/{channelId}']) expect(Object.keys(doc.paths)).toContain(p);
    expect(Object.keys(doc.paths['/hooks/whatsapp-cloud/{channelId}']!)).toEqual(['get', 'post']);
  });
});
