/**
 * A local stand-in for Meta's Graph API (node:http on 127.0.0.1, random port): media lookup and
 * download (cloud-media-url-response.json), media upload, and message sends
 * (cloud-send-*.json). Records every request; failures can be queued per route.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  contentType: string | undefined;
  body: Buffer;
  json?: unknown;
}

export interface StubReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface GraphStub {
  baseUrl: string;
  requests: StubRequest[];
  sends(): Array<Record<string, unknown>>;
  /** Bytes served for a media id (default: 1 KiB of a repeating pattern). */
  media: Map<string, { bytes: Buffer; mimeType: string; fileSize?: number }>;
  /** Canonical wa_id Meta reports per `to` (legacy Brazilian accounts). */
  canonical: Map<string, string>;
  /** Replies used (in order) before the default behaviour, per route: 'send' | 'lookup' | 'download' | 'upload'. */
  failNext(route: 'send' | 'lookup' | 'download' | 'upload', reply: StubReply | 'reset'): void;
  /** Chooses the wamid a successful send answers with (default: wamid.STUB<n>). */
  idFor: ((payload: Record<string, unknown>) => string | undefined) | undefined;
  /** Forgets queued replies and idFor (between tests). */
  reset(): void;
  close(): Promise<void>;
}

export const STUB_TOKEN = 'EAAG-test-token-not-real';

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startGraphStub(version = 'v21.0'): Promise<GraphStub> {
  const requests: StubRequest[] = [];
  const media = new Map<string, { bytes: Buffer; mimeType: string; fileSize?: number }>();
  const canonical = new Map<string, string>();
  const queued: Record<string, Array<StubReply | 'reset'>> = { send: [], lookup: [], download: [], upload: [] };
  let sent = 0;
  let uploaded = 0;
  let baseUrl = '';

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      const record: StubRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      };
      if ((req.headers['content-type'] ?? '').startsWith('application/json')) record.json = JSON.parse(body.toString('utf8'));
      requests.push(record);

      const reply = (r: StubReply) => {
        res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) });
        res.end(r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
      };
      if (req.headers.authorization !== `Bearer ${STUB_TOKEN}`) {
        reply({ status: 401, body: { error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190 } } });
        return;
      }
      const route = (name: string): boolean => {
        const next = queued[name]!.shift();
        if (next === undefined) return false;
        if (next === 'reset') {
          req.socket.destroy();
          return true;
        }
        reply(next);
        return true;
      };

      const parts = url.pathname.split('/').filter(Boolean);
      if (req.method === 'GET' && parts[0] === 'download' && parts[1]) {
        if (route('download')) return;
        const m = media.get(parts[1]);
        if (!m) return reply({ status: 404, body: { error: { message: 'not found', code: 100 } } });
        res.writeHead(200, { 'content-type': m.mimeType, 'content-length': String(m.bytes.length) });
        res.end(m.bytes);
        return;
      }
      if (parts[0] !== version) return reply({ status: 404, body: { error: { message: `unknown version ${parts[0]}`, code: 100 } } });
      if (req.method === 'GET' && parts.length === 2) {
        if (route('lookup')) return;
        const id = parts[1]!;
        const m = media.get(id) ?? { bytes: Buffer.alloc(1024, id), mimeType: 'application/octet-stream' };
        media.set(id, m);
        return reply({
          status: 200,
          body: {
            messaging_product: 'whatsapp',
            url: `${baseUrl}/download/${id}`,
            mime_type: m.mimeType,
            sha256: (await import('node:crypto')).createHash('sha256').update(m.bytes).digest('base64'),
            file_size: String(m.fileSize ?? m.bytes.length),
            id,
          },
        });
      }
      if (req.method === 'POST' && parts.length === 3 && parts[2] === 'media') {
        if (route('upload')) return;
        uploaded++;
        return reply({ status: 200, body: { id: `uploaded-media-${uploaded}` } });
      }
      if (req.method === 'POST' && parts.length === 3 && parts[2] === 'messages') {
        if (route('send')) return;
        sent++;
        const payload = record.json as { to?: string; recipient?: string };
        const input = payload.to ?? payload.recipient ?? '';
        return reply({
          status: 200,
          body: {
            messaging_product: 'whatsapp',
            contacts: [{ input, wa_id: canonical.get(input) ?? input }],
            messages: [{ id: stubApi.idFor?.(record.json as Record<string, unknown>) ?? `wamid.STUB${String(sent).padStart(4, '0')}` }],
          },
        });
      }
      reply({ status: 404, body: { error: { message: 'unknown route', code: 100 } } });
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const stubApi: GraphStub = {
    baseUrl,
    requests,
    sends: () => requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages')).map((r) => r.json as Record<string, unknown>),
    media,
    canonical,
    failNext(route, reply) {
      queued[route]!.push(reply);
    },
    idFor: undefined,
    reset() {
      for (const q of Object.values(queued)) q.length = 0;
      stubApi.idFor = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return stubApi;
}
