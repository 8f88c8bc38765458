/** Whether a message really comes from the agent whose address it bears. Pure. */
import type { Agent } from '../db/repositories/agent.repository.js';
import type { SenderProof } from '../domain/envelope.js';

export type AgentProof = { ok: true; tokenTicket?: number } | { ok: false; reason: string };

/**
 * Is this message really from that agent? WhatsApp proves the phone (ninth-digit variants
 * included); an email needs our per-agent token from a notification sent to that very agent,
 * with no authentication failure reported for its From domain. A web form proves nothing.
 */
export function agentProof(
  agent: Pick<Agent, 'id' | 'email' | 'phone'>,
  proof: SenderProof,
  emails: string[],
  phones: string[],
): AgentProof {
  if (agent.phone && phones.includes(agent.phone)) {
    if (proof.level === 'channel') return { ok: true };
  }
  if (agent.email && emails.includes(agent.email.toLowerCase())) {
    const token = proof.agentToken;
    if (!token) return { ok: false, reason: 'no reply token from a notification sent to this agent' };
    if (token.agentId.toLowerCase() !== agent.id.toLowerCase()) return { ok: false, reason: 'the reply token belongs to another agent' };
    if (proof.authFailure) return { ok: false, reason: `authentication failed: ${proof.authFailure}` };
    return { ok: true, tokenTicket: token.ticketNumber };
  }
  return {
    ok: false,
    reason: proof.level === 'channel' ? 'address not proven by this channel' : 'the channel proves nothing about the sender',
  };
}
