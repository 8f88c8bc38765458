/**
 * HTTP server limits against slow and greedy clients. A body trickled at 10 bytes every 5 s
 * was once held for minutes (Node's defaults: 300 s per request, checked every 30 s, no
 * connection cap), so a few hundred such clients could hold every socket.
 *
 * - `requestTimeoutMs` / `headersTimeoutMs`: Node's own per-request clocks, checked every
 *   second instead of every 30 s;
 * - the slow-body guard: a request body that delivers fewer than `slowBodyMinBytes` in any
 *   `slowBodyWindowMs` is answered 408 and its connection closed. Bytes are counted on the
 *   socket; a window in which *we* were not reading (the request's buffer is full: the disk or
 *   the database is slow) never counts against the client;
 * - `maxConnections`: more open connections are closed on arrival.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

export interface ServerLimits {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  slowBodyWindowMs: number;
  slowBodyMinBytes: number;
  maxConnections: number;
}

/** The gateway's HTTP server (app.ts creates it with this), with Node's clocks and the connection cap set. */
export function createLimitedServer(handler: (req: IncomingMessage, res: ServerResponse) => void, limits: ServerLimits): Server {
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      // How often Node checks the two clocks above (default 30 s: "minutes, not seconds").
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

const SWEEP_MS = 100;

/** A request whose body is still arriving, with the socket's byte count at its last check. */
interface Watched {
  req: IncomingMessage;
  res: ServerResponse;
  seen: number;
  since: number;
}

/**
 * One timer for all requests (every SWEEP_MS while any body is arriving) instead of a timer and
 * two listeners per request: the guard runs for every body on every route. Each body is still
 * judged on whole windows of its own (from its start); it is cut at most SWEEP_MS after a bad
 * window ends. A finished request leaves the set at the next sweep (so at most SWEEP_MS of
 * finished requests are held).
 */
export function slowBodyGuard(limits: Pick<ServerLimits, 'slowBodyWindowMs' | 'slowBodyMinBytes'>): RequestHandler {
  const watched = new Set<Watched>();
  let timer: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = performance.now();
    for (const w of watched) {
      const socket = w.req.socket;
      if (w.req.complete || socket.destroyed || w.res.writableFinished) {
        watched.delete(w);
        continue;
      }
      if (now - w.since < limits.slowBodyWindowMs) continue;
      const arrived = socket.bytesRead - w.seen;
      w.seen = socket.bytesRead;
      w.since = now;
      const weWereNotReading = w.req.readableLength >= w.req.readableHighWaterMark;
      if (arrived >= limits.slowBodyMinBytes || weWereNotReading) continue;
      watched.delete(w);
      cut(w.res);
    }
    if (watched.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return (req, res, next) => {
    if (req.complete || !expectsBody(req)) {
      next();
      return;
    }
    watched.add({ req, res, seen: req.socket.bytesRead, since: performance.now() });
    if (!timer) {
      timer = setInterval(sweep, SWEEP_MS);
      timer.unref();
    }
    next();
  };
}

function expectsBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function cut(res: ServerResponse): void {
  const socket = res.socket;
  if (!res.headersSent) {
    res.statusCode = 408;
    res.setHeader('Connection', 'close');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ error: 'request_timeout', message: 'the request body arrived too slowly' }));
    res.once('finish', () => socket?.destroy());
    // A client that does not read its answer either is not waited for.
    setTimeout(() => socket?.destroy(), 1000).unref();
  } else {
    socket?.destroy();
  }
}
