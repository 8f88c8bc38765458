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

export function slowBodyGuard(limits: Pick<ServerLimits, 'slowBodyWindowMs' | 'slowBodyMinBytes'>): RequestHandler {
  return (req, res, next) => {
    if (req.complete || !expectsBody(req)) {
      next();
      return;
    }
    const socket = req.socket;
    let seen = socket.bytesRead;
    const timer = setInterval(() => {
      if (req.complete || socket.destroyed) {
        clearInterval(timer);
        return;
      }
      const arrived = socket.bytesRead - seen;
      seen = socket.bytesRead;
      const weWereNotReading = req.readableLength >= req.readableHighWaterMark;
      if (arrived >= limits.slowBodyMinBytes || weWereNotReading) return;
      clearInterval(timer);
      cut(res);
    }, limits.slowBodyWindowMs);
    timer.unref();
    const stop = () => clearInterval(timer);
    req.once('end', stop);
    res.once('close', stop);
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
