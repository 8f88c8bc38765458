/**
 * A JSON answer written straight to the response: the same status, body and
 * `application/json; charset=utf-8` as express's `res.json`, without its per-answer ETag hash and
 * freshness check (an answer to a POST is never cached or revalidated). Headers set before
 * (CORS, Retry-After) are kept.
 */
import type { Response } from 'express';

export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
