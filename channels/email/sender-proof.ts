/**
 * What one inbound mail proves about its sender (ARCHITECTURE rule 0), as `message.proof`:
 * - `agentToken`: our per-agent signed token found in the reply (parse/agent-token.ts);
 * - `level: 'authenticated'`: a trusted Authentication-Results header, or our own mailauth
 *   check, passed DMARC/aligned DKIM for the From domain, and none of them reported a failure;
 * - `authFailure`: a trusted source reported a DMARC/DKIM/SPF failure for the From domain.
 * Everything else leaves `level: 'none'` (a From: line is a claim). Pure.
 */
import type { SenderProof } from '../../src/domain/envelope.js';
import { findAgentToken, type AgentTokenVerifier } from './parse/agent-token.js';
import { authResultsVerdict, domainOf, judgeAuthResults, type AuthMethodResult, type AuthVerdict } from './parse/auth-results.js';

export interface EmailProofInput {
  /** The From address the core will see (`message.from.address`). */
  from: string;
  /** In-Reply-To first, then References newest first. */
  references: readonly string[];
  /** To, Cc, Delivered-To/X-Original-To. */
  recipients: readonly string[];
  /** Raw Authentication-Results values, top first. */
  authenticationResults: readonly string[];
  trustedAuthservIds: readonly string[];
  verifier: AgentTokenVerifier;
  /** Our own DKIM/DMARC check (verifyAuthentication), when it ran. */
  checked?: { results: readonly AuthMethodResult[] } | undefined;
}

export function mergeVerdicts(verdicts: readonly AuthVerdict[]): Pick<SenderProof, 'level' | 'authFailure'> {
  const failures = verdicts.map((v) => v.failure).filter((f): f is string => Boolean(f));
  if (failures.length) return { level: 'none', authFailure: failures.join('; ').slice(0, 300) };
  return { level: verdicts.some((v) => v.authenticated) ? 'authenticated' : 'none' };
}

export function emailSenderProof(input: EmailProofInput): SenderProof {
  const verdicts: AuthVerdict[] = [authResultsVerdict(input.authenticationResults, input.from, input.trustedAuthservIds)];
  if (input.checked) verdicts.push(judgeAuthResults(input.checked.results, domainOf(input.from), 'checked by Ponte'));
  const proof: SenderProof = { ...mergeVerdicts(verdicts) };
  const token = findAgentToken({ references: input.references, recipients: input.recipients }, input.verifier);
  if (token) proof.agentToken = { agentId: token.agentId, ticketNumber: token.ticketNumber };
  return proof;
}
