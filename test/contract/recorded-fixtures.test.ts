/**
 * Contract: every recorded fixture normalizes through its channel's public entry (the shared
 * corpora in ../shared/fixtures): Baileys events through the fake socket, Cloud API webhook
 * POSTs through the channel's router, raw mails through the email parser the IMAP source uses.
 * "Normalizes" means no exception, no error logged, and every envelope valid for the core.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import { channelDefinitions } from '../../channels/index.js';
import { inboundEnvelopeSchema } from '../../src/domain/envelope.js';
import { createFakeContext, type FakeContext } from '../support/fake-context.js';
import { APP_SECRET, loadCloudFixture, PHONE_NUMBER_ID, webhookFixtureNames } from '../whatsapp/cloud-fixtures.js';
import { startGraphStub, STUB_TOKEN, type GraphStub } from '../whatsapp/cloud-graph-stub.js';
import { baileysFixtureNames, loadFixture } from '../whatsapp/fixtures.js';
import { startHarness } from '../whatsapp/harness.js';
import { fixturesAvailable, loadEntries, runEntry } from '../email-fixtures/fixture-corpus.js';

/** A fake context whose logger keeps error lines (an adapter that swallowed a failure logs it). */
function contextKeepingErrors(channelId: string): { ctx: FakeContext; errors: string[] } {
  const errors: string[] = [];
  const ctx = createFakeContext(channelId, { now: Date.now() });
  const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
  Object.assign(ctx, { logger });
  return { ctx, errors };
}

const invalidEnvelopes = (ctx: FakeContext) =>
  ctx.ingested.filter((e) => !inboundEnvelopeSchema.safeParse(e).success).map((e) => e.message.externalId);

describe('Baileys fixtures through the fake socket', () => {
  test.each(baileysFixtureNames().map((n) => [n]))('%s', async (name) => {
    const { ctx, errors } = contextKeepingErrors('wa');
    const h = await startHarness(ctx);
    try {
      await h.play(loadFixture(name));
      await h.idle();
    } finally {
      await h.runtime.source.stop();
    }
    expect(errors).toEqual([]);
    expect(invalidEnvelopes(ctx)).toEqual([]);
  });
});

describe('Cloud API webhook fixtures through the router', () => {
  let graph: GraphStub;
  beforeAll(async () => {
    graph = await startGraphStub();
  });
  afterAll(async () => graph.close());

  test.each(webhookFixtureNames().map((n) => [n]))('%s', async (name) => {
    const definition = channelDefinitions.find((d) => d.kind === 'whatsapp-cloud')!;
    const config = definition.configSchema.parse({
      id: 'cloud',
      kind: 'whatsapp-cloud',
      locale: 'pt-BR',
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: STUB_TOKEN,
      appSecret: APP_SECRET,
      verifyToken: 'v-token-123456',
      graphBaseUrl: graph.baseUrl,
      graphVersion: 'v21.0',
    });
    const { ctx, errors } = contextKeepingErrors('cloud');
    const runtime = definition.create(config, ctx);
    await runtime.source?.start();
    const app = express();
    app.use(runtime.http!.path, runtime.http!.router);
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const fixture = loadCloudFixture(name);
      const raw: string = fixture.request.rawBody;
      // The bad-signature fixture keeps its recorded (wrong) signature; the others are signed anew.
      const signature = /bad-signature/.test(name)
        ? fixture.request.headers['x-hub-signature-256']
        : 'sha256=' + createHmac('sha256', APP_SECRET).update(raw).digest('hex');
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${runtime.http!.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body: raw,
      });
      await res.text();
      if (/bad-signature/.test(name)) expect(res.status).toBeGreaterThanOrEqual(400);
      else expect(res.status).toBe(200);
      // Processing continues after the 200: let it finish before stop().
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await runtime.source?.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    // cloud-errors-value-level is Meta reporting an error on the number: logging it is the point.
    if (name === 'cloud-errors-value-level') expect(errors.map((l) => JSON.parse(l).code)).toEqual([131056]);
    else expect(errors).toEqual([]);
    expect(invalidEnvelopes(ctx)).toEqual([]);
  });
});

describe('raw mails through the email parser', () => {
  test('every corpus entry parses without an exception', async () => {
    expect(fixturesAvailable()).toBe(true);
    const blobRoot = mkdtempSync(join(tmpdir(), 'ponte-contract-mail-'));
    try {
      const failures: string[] = [];
      const entries = loadEntries();
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        const r = await runEntry(entry, blobRoot);
        if (r.error !== undefined) failures.push(`${entry.corpus}/${entry.file}: ${r.error}`);
      }
      expect(failures).toEqual([]);
    } finally {
      rmSync(blobRoot, { recursive: true, force: true });
    }
  });
});
