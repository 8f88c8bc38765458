/**
 * Identity work from the requester panel, through the contacts use cases of the trust rules:
 * an agent links a claimed identity to the requester (with evidence, audited); when the
 * identity belongs to another contact, the agent may merge that contact into the requester
 * (evidence again). Both can be taken back here: unlink a wrong identity (evidence, audited)
 * and undo a merge into the requester (audited; what changed since stays, as in the API).
 */
import type { Router } from 'express';
import { linkTicketClaim, mergeContacts, undoContactMerge, unlinkIdentity } from '../../contacts/contact-admin.usecase.js';
import { getMerge } from '../../db/repositories/contact-merge.repository.js';
import { findIdentityRow } from '../../db/repositories/contact.repository.js';
import { claimsOfTicket } from '../../db/repositories/trust.repository.js';
import type { Address } from '../../domain/model.js';
import { getTicketByNumber } from '../../db/repositories/ticket.repository.js';
import { ConflictError, PonteError } from '../../domain/errors.js';
import { requireAgent } from '../shared/session-auth.js';
import { ctx } from '../shared/web-context.js';
import type { ConsoleRuntime } from './console-deps.js';

export function registerRequesterRoutes(
  router: Router,
  rt: ConsoleRuntime,
  rerender: (res: import('express').Response, number: number, error: string, status: number) => Promise<void>,
): void {
  const evidenceOf = (b: Record<string, unknown>) => (typeof b.evidence === 'string' ? b.evidence.trim().slice(0, 500) : '');

  router.post('/tickets/:number/claims/:claim/link', requireAgent, async (req, res) => {
    const web = ctx(res);
    const number = Number(req.params.number);
    const evidence = evidenceOf(req.body as Record<string, unknown>);
    if (!evidence) return rerender(res, number, web.tr('evidence_needed'), 400);
    try {
      await linkTicketClaim(
        rt.deps.database,
        { id: web.agent!.id },
        number,
        String(req.params.claim).slice(0, 26),
        { evidence },
        rt.deps.clock.now(),
      );
      res.redirect(303, `${web.href(`/tickets/${number}`)}?m=saved`);
    } catch (err) {
      if (
        err instanceof ConflictError &&
        err.reason === 'identity_owned_by_other_contact' &&
        typeof err.details?.ownerContactId === 'string'
      ) {
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
    // Only the contact that owns an identity claimed on this ticket can be merged from here: the
    // form's `from` is never trusted on its own (a claimed address is attacker-chosen text).
    const owners = await Promise.all(
      (await claimsOfTicket(rt.deps.database.kysely, t.id)).map((c) =>
        findIdentityRow(rt.deps.database.kysely, { kind: c.kind, address: c.address }),
      ),
    );
    if (!owners.some((o) => o?.contactId === from)) return rerender(res, number, web.tr('merge_not_claimed'), 409);
    try {
      await mergeContacts(rt.deps.database, { id: web.agent!.id }, t.requesterId, from, evidence, rt.deps.clock.now());
      res.redirect(303, `${web.href(`/tickets/${number}`)}?m=saved`);
    } catch (err) {
      if (err instanceof PonteError) return rerender(res, number, err.message, 409);
      throw err;
    }
  });

  router.post('/tickets/:number/identities/unlink', requireAgent, async (req, res) => {
    const web = ctx(res);
    const number = Number(req.params.number);
    const b = req.body as Record<string, unknown>;
    const evidence = evidenceOf(b);
    if (!evidence) return rerender(res, number, web.tr('evidence_needed'), 400);
    const t = Number.isSafeInteger(number) ? await getTicketByNumber(rt.deps.database.kysely, number) : undefined;
    if (!t) return rerender(res, number, web.tr('ticket_not_found', { number }), 404);
    const identity = { kind: String(b.kind ?? '').slice(0, 20), address: String(b.address ?? '').slice(0, 320) } as Address;
    const row = await findIdentityRow(rt.deps.database.kysely, identity);
    if (!row || row.contactId !== t.requesterId) return rerender(res, number, web.tr('not_this_requester'), 404);
    try {
      await unlinkIdentity(rt.deps.database, { id: web.agent!.id }, t.requesterId, row.id, evidence, rt.deps.clock.now());
      res.redirect(303, `${web.href(`/tickets/${number}`)}?m=unlinked`);
    } catch (err) {
      if (err instanceof PonteError) return rerender(res, number, err.message, 409);
      throw err;
    }
  });

  router.post('/tickets/:number/merges/:merge/undo', requireAgent, async (req, res) => {
    const web = ctx(res);
    const number = Number(req.params.number);
    const t = Number.isSafeInteger(number) ? await getTicketByNumber(rt.deps.database.kysely, number) : undefined;
    if (!t) return rerender(res, number, web.tr('ticket_not_found', { number }), 404);
    // Only merges into this ticket's requester are offered here.
    const merge = await getMerge(rt.deps.database.kysely, String(req.params.merge).slice(0, 26));
    if (!merge || merge.keptContactId !== t.requesterId) return rerender(res, number, web.tr('not_this_requester'), 404);
    try {
      await undoContactMerge(rt.deps.database, { id: web.agent!.id }, merge.id, rt.deps.clock.now());
      res.redirect(303, `${web.href(`/tickets/${number}`)}?m=undone`);
    } catch (err) {
      if (err instanceof PonteError) return rerender(res, number, err.message, 409);
      throw err;
    }
  });
}
