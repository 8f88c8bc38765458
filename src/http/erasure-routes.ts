/**
 * LGPD erasure (admin): DELETE /api/contacts/:id erases a person and answers with the receipt;
 * GET /api/erasures lists receipts (counts only, never the person's data).
 */
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import { eraseContact, listErasureReceipts } from '../erasure/erasure.usecase.js';
import type { ApiDeps } from './api-router.js';
import { agentOf, parse } from './route-kit.js';

const contactParam = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a contact id (26 characters)') });
export const eraseQuery = z.strictObject({
  scope: z.enum(['tickets', 'messages']).optional(),
  confirm: z.literal('erase', { message: 'add ?confirm=erase: erasure cannot be undone' }),
});
export const erasuresQuery = z.strictObject({
  contact: z.string().max(26).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function registerErasureRoutes(router: Router, deps: ApiDeps, admin: RequestHandler): void {
  router.delete('/contacts/:id', admin, async (req, res) => {
    const { id } = parse(contactParam, req.params, 'params');
    const q = parse(eraseQuery, req.query, 'query');
    const receipt = await eraseContact(
      deps.database,
      deps.blobs,
      { contactId: id, scope: q.scope ?? deps.config.retention.erasureScope, actor: { type: 'agent', id: agentOf(req).id } },
      deps.clock.now(),
    );
    res.json({ receipt });
  });

  router.get('/erasures', admin, async (req, res) => {
    const q = parse(erasuresQuery, req.query, 'query');
    res.json({ receipts: await listErasureReceipts(deps.database.kysely, { contactId: q.contact, limit: q.limit }) });
  });
}
