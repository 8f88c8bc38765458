/**
 * Identity work from the requester panel, through the contacts use cases of the trust rules:
 * an agent links a claimed identity to the requester (with evidence, audited); when the
 * identity belongs to another contact, the agent may merge that contact into the requester
 * (evidence again; undoable through the contacts API).
 */
import type { Router } from 'express';
import { linkTicketClaim, mergeContacts } from '../../contacts/contact-admin.usecase.js';
import { getTicketByNumber } from '../../db/repositories/ticket.repository.js';
import { ConflictError, PonteError } from '../../domain/errors.js';
import { requireAgent } from '../shared/session-auth.js';
import { ctx } from '../shared/web-context.js';
import type { ConsoleRuntime } from './console-deps.js';

export function registerRequesterRoutes(router: Router, rt: ConsoleRuntime, rerender: (res: import('express').Response, number: number, error: string, status: number) => Promise<void>): void {
  const evidenceOf = (b: Record<string, unknown>) => (typeof b.evidence === 'string' ? b.evidence.trim().slice(0, 500) : '');

  router.post('/tickets/:number/claims/:claim/link', requireAgent, async (req, res) => {
    const web = ctx(res);
    const number = Number(req.params.number);
    const evidence = evidenceOf(req.body as Record<string, unknown>);
    if (!evidence) return rerender(res, number, web.tr('evidence_needed'), 400);
    try {
      await linkTicketClaim(rt.deps.database, { id: web.agent!.id }, number, String(req.params.claim).slice(0, 26), { evidence }, rt.deps.clock.now());
      res.redirect(303, `${web.href(`/tickets/${number}`)}?m=saved`);
    } catch (err) {
      if (err instanceof ConflictError && err.reason === 'identity_owned_by_other_contact' && typeof err.details?.ownerContactId === 'string') {
        return rerender(res, number, `${err.message}|merge:${err.details.ownerContactId}`, 409);
      }
      if (err instanceof PonteError) return rerender(res, number, err.message, 409);
      throw err;
    }
  });

  router.post('/tickets/:number/merge', requireAgent, async (req, res) => {
    const web = ctx(res);
    const number = Number(req.params.number);
    const b = req.body as Record<string, unknown>;
    const evidence = evidenceOf(b);
    const from = typeof b.from === 'string' ? b.from.slice(0, 26) : '';
    if (!evidence || !from) return rerender(res, number, web.tr('evidence_needed'), 400);
    const t = Number.isSafeInteger(number) ? await getTicketByNumber(rt.deps.database.kysely, number) : undefined;
    if (!t) return rerender(res, number, web.tr('ticket_not_found', { number }), 404);
    try {
      await mergeContacts(rt.deps.database, { id: web.agent!.id }, t.requesterId, from, evidence, rt.deps.clock.now());
      res.redirect(303, `${web.href(`/tickets/${number}`)}?m=saved`);
    } catch (err) {
      if (err instanceof PonteError) return rerender(res, number, err.message, 409);
      throw err;
    }
  });
}
