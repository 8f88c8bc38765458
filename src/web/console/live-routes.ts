/** GET /events: server-sent events naming the tickets that changed (see shared/live-feed.ts). */
import type { Router } from 'express';
import type { LiveFeed } from '../shared/live-feed.js';
import { requireAgent } from '../shared/session-auth.js';

export function registerLiveRoutes(router: Router, feed: LiveFeed): void {
  router.get('/events', requireAgent, (req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const unsubscribe = feed.subscribe((changes) => {
      res.write(`event: tickets\ndata: ${JSON.stringify(changes)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    ping.unref?.();
    req.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });
}
