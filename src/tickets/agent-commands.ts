/**
 * What an agent typed when answering from email or WhatsApp. Pure, linear in the text.
 *
 * The command block is the run of command tokens at the very start of the message, separated
 * by spaces or line breaks, in any order: `#10001` names the ticket (the first number wins),
 * `#note` makes the message internal, `#solved` / `#pending` / `#close` / `#open` (and their
 * pt/es words) change the status. After the block, a line made only of command tokens still
 * counts (`Resolvido!\n#solved`), and a line that starts with `#note` anywhere makes the whole
 * message internal: when in doubt, a note stays inside (an agent's `#10004\n#note …` once
 * reached a customer because the note was on the second line).
 * Command tokens are removed from the text the customer sees.
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
  solve: 'solved',
  resolvido: 'solved',
  resolvida: 'solved',
  resuelto: 'solved',
  pending: 'pending',
  pendente: 'pending',
  pendiente: 'pending',
  close: 'closed',
  closed: 'closed',
  fechar: 'closed',
  fechado: 'closed',
  cerrar: 'closed',
  cerrado: 'closed',
  open: 'open',
  abrir: 'open',
  reabrir: 'open',
};
const NOTE_WORDS = new Set(['note', 'nota', 'interno', 'internal']);

type Token = { kind: 'number'; value: number } | { kind: 'note' } | { kind: 'status'; value: TicketStatus };

/** One whitespace-free word as a command token, if it is one (`#note:` and `#10001,` too). */
function commandToken(word: string): Token | undefined {
  if (word.length < 2 || word.length > 20 || word.charCodeAt(0) !== 35 /* # */) return undefined;
  let w = word.slice(1).toLowerCase();
  while (w.endsWith(':') || w.endsWith(',') || w.endsWith('.')) w = w.slice(0, -1);
  if (/^\d{3,12}$/.test(w)) return { kind: 'number', value: Number(w) };
  if (NOTE_WORDS.has(w)) return { kind: 'note' };
  const status = STATUS_WORDS[w];
  return status ? { kind: 'status', value: status } : undefined;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\u00a0';
}

export function parseAgentCommand(text: string): AgentCommand {
  const src = text.replace(/\r\n?/g, '\n');
  let ticketNumber: number | undefined;
  let internal = false;
  let status: TicketStatus | undefined;
  const apply = (t: Token): void => {
    if (t.kind === 'number') ticketNumber ??= t.value;
    else if (t.kind === 'note') internal = true;
    else status = t.value;
  };

  // 1. The leading command block: tokens separated by any whitespace.
  let i = 0;
  for (;;) {
    while (i < src.length && isSpace(src[i]!)) i++;
    let j = i;
    while (j < src.length && !isSpace(src[j]!)) j++;
    const token = j > i ? commandToken(src.slice(i, j)) : undefined;
    if (!token) break;
    apply(token);
    i = j;
  }
  const rest = src.slice(i);

  // 2. Lines after the block: a line of tokens only is a command line; `#note` opening a line
  //    anywhere keeps the whole message internal.
  const kept: string[] = [];
  for (const line of rest.split('\n')) {
    const words = line.split(/[ \t\u00a0]+/).filter((w) => w !== '');
    const tokens = words.map(commandToken);
    if (words.length > 0 && tokens.every((t) => t !== undefined && t.kind !== 'number')) {
      for (const t of tokens) apply(t!);
      continue;
    }
    if (tokens[0]?.kind === 'note') {
      internal = true;
      kept.push(words.slice(1).join(' '));
      continue;
    }
    kept.push(line);
  }
  const body = kept.join('\n').trim();
  return { ...(ticketNumber !== undefined ? { ticketNumber } : {}), internal, ...(status ? { status } : {}), body };
}
