/**
 * Boots the whole app for portal tests on a port chosen first, so server.publicUrl (the only base
 * the portal puts in mailed links) is the test server. An email channel sends through the SMTP
 * sink; customers' mail enters through the channel's ingest. Three customers: Maria and Joana
 * (same organization, cliente.test) and Pedro (another company), one ticket each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createEmailChannelDefinition } from '../../channels/email/index.js';
import { freePort } from '../../scripts/test-services/dovecot.js';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../../scripts/test-services/smtp-capture.js';
import { createApp, type PonteApp } from '../../src/app.js';
import type { ChannelDefinition } from '../../src/channel/contract.js';
import { parseConfig } from '../../src/config/loader.js';
import { createAgent } from '../../src/db/repositories/agent.repository.js';
import { signLink } from '../../src/web/portal/merchant-link.js';
import { scratchDatabase, type DbKind } from '../core/db-fixtures.js';

export const MERCHANT_SECRET = 'merchant-secret-for-tests-0123456789abcdef';

export interface PortalTestApp {
  app: PonteApp;
  baseUrl: string;
  smtp: SmtpCapture;
  adminToken: string;
  blobsDir: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  customerMail(id: string, from: string, name: string, subject: string, text: string): Promise<number>;
  signedUrl(claims: { email?: string; phone?: string; org?: string; expInSeconds?: number }, secret?: string): string;
  stop(): Promise<void>;
}

/** The text of a captured mail with quoted-printable soft breaks and escapes undone. */
export function mailText(mail: CapturedMail): string {
  return mail.raw
    .toString('utf8')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export interface ExtraChannels {
  definitions: ReadonlyArray<ChannelDefinition<any>>;
  channels: Array<Record<string, unknown>>;
}

export async function startPortalTestApp(
  portal: Record<string, unknown> = {},
  kind: DbKind = 'sqlite',
  extra: ExtraChannels = { definitions: [], channels: [] },
): Promise<PortalTestApp> {
  const smtp = await startSmtpCapture();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'ponte-portal-'));
  const scratch = await scratchDatabase(kind);
  await scratch.database.destroy();
  const email = createEmailChannelDefinition({
    connectImap: async () => {
      throw new Error('no IMAP server in this test: mail enters through ingest');
    },
    reconnect: { baseMs: 60_000, maxMs: 60_000, factor: 1, jitter: 0, stableAfterMs: 60_000 },
  });
  const raw = {
    server: { host: '127.0.0.1', port, publicUrl: baseUrl },
    database: scratch.config,
    storage: { blobsDir: join(dataDir, 'blobs') },
    security: { secret: 'test-secret-0123456789abcdef' },
    logging: { level: 'silent' },
    portal: {
      enabled: true,
      name: 'Loja Exemplo',
      signingSecret: '${PONTE_PORTAL_SECRET}',
      colors: { primary: '#7a1fa2' },
      organizations: [{ id: 'cliente-sa', name: 'Cliente SA', domains: ['cliente.test'] }],
      form: {
        categories: [
          { id: 'delivery', label: { 'pt-BR': 'Entrega', en: 'Delivery', es: 'Entrega' } },
          { id: 'refund', label: 'Reembolso' },
        ],
      },
      attachments: { maxCount: 3, maxBytes: 200_000, allowedTypes: ['image/*', 'application/pdf', 'text/plain'] },
      ...portal,
    },
    channels: [
      {
        id: 'support',
        kind: 'email',
        addresses: ['support@help.test'],
        displayName: 'Loja Exemplo',
        imap: { host: '127.0.0.1', port: 1, user: 'support@help.test', password: 'x' },
        smtp: smtp.smtpConfig(),
      },
      ...extra.channels,
    ],
  };
  const loaded = parseConfig(raw, { env: { PONTE_PORTAL_SECRET: MERCHANT_SECRET }, definitions: [email, ...extra.definitions] });
  const app = createApp(loaded, { definitions: [email, ...extra.definitions], logger: pino({ level: 'silent' }), loops: true });
  await app.start({ host: '127.0.0.1', port });
  const admin = await createAgent(app.database.kysely, { name: 'Ana Souza', email: 'ana@loja.example', role: 'admin' }, Date.now());
  const context = () => app.running.find((c) => c.entry.id === 'support')!.context;
  return {
    app,
    baseUrl,
    smtp,
    adminToken: admin.token,
    blobsDir: join(dataDir, 'blobs'),
    async api(method, path, body) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${admin.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      try {
        return { status: res.status, body: JSON.parse(text) };
      } catch {
        return { status: res.status, body: text };
      }
    },
    async customerMail(id, from, name, subject, text) {
      const o = await context().ingest({
        message: { externalId: `<${id}@cliente.test>`, from: { kind: 'email', address: from, displayName: name }, subject, text },
      });
      if (o.status !== 'created' && o.status !== 'appended') throw new Error(`ingest: ${o.status}`);
      return o.ticketNumber;
    },
    signedUrl(c, secret = MERCHANT_SECRET) {
      const claims = {
        email: c.email ?? '',
        phone: c.phone ?? '',
        org: c.org ?? '',
        exp: Math.floor(Date.now() / 1000) + (c.expInSeconds ?? 300),
      };
      const q = new URLSearchParams({
        email: claims.email,
        phone: claims.phone,
        org: claims.org,
        exp: String(claims.exp),
        sig: signLink(secret, claims),
      });
      return `${baseUrl}/portal/signed?${q.toString()}`;
    },
    async stop() {
      await app.stop();
      await smtp.stop();
      await scratch.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
