/**
 * What an agent typed when answering from email or WhatsApp. Pure.
 * - `#10001` at the very start names the ticket (chat);
 * - `#note` as the first word (or first line) makes the message internal;
 * - `#solved`, `#pending`, `#close`/`#closed`, `#open` on a line of their own change the status.
 * Command lines are removed from the text the customer sees.
 */
import type { TicketStatus } from '../domain/model.js';

export interface AgentCommand {
  ticketNumber?: number;
  internal: boolean;
  status?: TicketStatus;
  body: string;
}

const STATUS_WORDS: Record<string, TicketStatus> = {
  solved: 'solved',
  resolvido: 'solved',
  resuelto: 'solved',
  pending: 'pending',
  pendente: 'pending',
  close: 'closed',
  closed: 'closed',
  fechar: 'closed',
  open: 'open',
};

export function parseAgentCommand(text: string): AgentCommand {
  let body = text.replace(/\r\n?/g, '\n').trim();
  let ticketNumber: number | undefined;
  const lead = /^#(\d{3,12})\b[ \t]*/.exec(body);
  if (lead) {
    ticketNumber = Number(lead[1]);
    body = body.slice(lead[0].length);
  }
  let internal = false;
  const note = /^#note\b[ \t:]*\n?/i.exec(body);
  if (note) {
    internal = true;
    body = body.slice(note[0].length);
  }
  let status: TicketStatus | undefined;
  const kept: string[] = [];
  for (const line of body.split('\n')) {
    const m = /^\s*#([a-z]+)\s*$/i.exec(line);
    const s = m ? STATUS_WORDS[m[1]!.toLowerCase()] : undefined;
    if (s) status = s;
    else kept.push(line);
  }
  body = kept.join('\n').trim();
  return { ...(ticketNumber !== undefined ? { ticketNumber } : {}), internal, ...(status ? { status } : {}), body };
}
