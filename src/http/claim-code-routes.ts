/**
 * `POST /api/tickets/:number/claims/:claimId/verify`: an agent asks the person behind an
 * identity someone typed (a form's phone) to prove it. A one-time code goes to that identity;
 * their reply with the code links it to the requester (see src/trust/claim-proof.ts).
 */
import type { Router } from 'express';
import { getTicketByNumber } from '../db/repositories/ticket.repository.js';
import { recordEvent } from '../db/repositories/event.repository.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { ApiDeps } from './api-router.js';
import { agentOf, parse } from './route-kit.js';
import { claimParams } from './schemas.js';

export function registerClaimCodeRoutes(router: Router, deps: ApiDeps): void {
  router.post('/tickets/:number/claims/:claimId/verify', async (req, res) => {
    const { number, claimId } = parse(claimParams, req.params, 'params');
    const agent = agentOf(req);
    const now = deps.clock.now();
    const result = await deps.database.kysely.transaction().execute(async (trx) => {
      const ticket = await getTicketByNumber(trx, number);
      if (!ticket) throw new NotFoundError('ticket', String(number));
      const r = await deps.sendClaimCode(trx, ticket, claimId, now);
      if (!r.ok) {
        if (r.reason === 'unknown_claim') throw new NotFoundError('claim', claimId);
        if (r.reason === 'already_linked') throw new ConflictError('this claim is already linked', 'claim_already_linked');
        throw new ConflictError('no configured channel can deliver to this kind of identity', 'no_channel_for_claim');
      }
      await recordEvent(trx, ticket.id, 'claim_code_sent', claimId, r.to.slice(0, 200), { type: 'agent', id: agent.id }, now);
      return r;
    });
    deps.wakeOutbox();
    res.status(202).json({ sent: true, channel: result.channelId, to: result.to, expiresAt: result.expiresAt });
  });
}
