/**
 * Decides whether an inbound mail is a customer's message or automatic mail (auto-reply,
 * bounce, complaint, delivery receipt). Automatic mail never creates a customer ticket, never
 * gets an automatic answer and never changes a status, so when in doubt between customer and
 * automatic we look for positive evidence of automation (RFC 3834 headers, vendor headers,
 * list headers, null sender, daemon senders, report MIME types).
 */
import type { Classification } from '../../../src/domain/model.js';

export interface ClassifyInput {
  /** Lowercase header name -> values (top-level header only). */
  headers: Map<string, string[]>;
  /** Lowercased sender address. */
  from?: string | undefined;
  /** Top-level content type, lowercase ("multipart/report"). */
  contentType?: string | undefined;
  /** The report-type parameter of a multipart/report. */
  reportType?: string | undefined;
  /** Actions of the delivery-status per-recipient fields (failed, delayed, delivered, relayed, expanded). */
  dsnActions?: string[] | undefined;
  /** A non-standard bounce text was recognised in the body (qmail, Exim …). */
  bodyLooksLikeBounce?: boolean | undefined;
  subject?: string | undefined;
  /**
   * Our own support addresses. A support address that is itself a group (Google Groups,
   * a Microsoft 365 distribution list) stamps List-Id/Precedence: list on every customer
   * mail it relays; those list headers naming our own address are not evidence of automation.
   */
  ownAddresses?: string[] | undefined;
}

export interface ClassifyResult {
  classification: Classification;
  /** Why, for logs and `ponte email parse` (e.g. "auto-submitted: auto-replied"). */
  reason?: string;
}

const first = (h: Map<string, string[]>, name: string): string | undefined => h.get(name)?.[0]?.trim();

const DAEMON_LOCAL_PARTS = /^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|mail\.delivery\.system|maildelivery)$/iu;
const BOUNCE_SUBJECT_RE =
  /^(?:undeliver(?:ed|able)|delivery status notification \((?:failure|delay)\)|mail delivery (?:failed|failure|system)|returned mail|failure notice|delivery failure|non[- ]?remis|unzustellbar|não entregue|mensagem não entregue|no se puede entregar|onbestelbaar)/iu;
const AUTO_REPLY_SUBJECT_RE =
  /^(?:auto(?:matic)?[- ]?(?:reply|response|antwort|resposta|respuesta|réponse)|out of (?:the )?office|abwesenheitsnotiz|réponse automatique|resposta automática|respuesta automática|fuera de la oficina|ausente|férias)\b/iu;

function isOwnList(h: Map<string, string[]>, own: string[] | undefined): boolean {
  if (!own?.length) return false;
  const listPost = (h.get('list-post') ?? []).join(' ').toLowerCase();
  const listId = (h.get('list-id') ?? []).join(' ').toLowerCase();
  return own.some((address) => {
    const a = address.trim().toLowerCase();
    return (a && listPost.includes(a)) || (a && listId.includes(`<${a.replace('@', '.')}>`));
  });
}

export function classifyEmail(input: ClassifyInput): ClassifyResult {
  const h = input.headers;
  const ownList = isOwnList(h, input.ownAddresses);
  const ct = (input.contentType ?? '').toLowerCase();
  const reportType = (input.reportType ?? '').toLowerCase();
  const local = (input.from ?? '').split('@')[0] ?? '';

  // Reports first: they are the most specific evidence.
  if (ct === 'multipart/report') {
    if (reportType === 'feedback-report') return { classification: 'complaint', reason: 'multipart/report feedback-report' };
    if (reportType === 'disposition-notification') return { classification: 'delivery_receipt', reason: 'multipart/report disposition-notification' };
    if (reportType === 'delivery-status') {
      const actions = (input.dsnActions ?? []).map((a) => a.toLowerCase());
      if (actions.length > 0 && actions.every((a) => a === 'delivered' || a === 'relayed' || a === 'expanded')) {
        return { classification: 'delivery_receipt', reason: `delivery-status action ${actions.join(',')}` };
      }
      return { classification: 'bounce', reason: 'multipart/report delivery-status' };
    }
  }
  if (h.has('x-arf') || first(h, 'feedback-type')) return { classification: 'complaint', reason: 'feedback report header' };

  const returnPath = h.get('return-path');
  const nullSender = returnPath !== undefined && returnPath.some((v) => /^<\s*>$/u.test(v.trim()));
  const daemon = DAEMON_LOCAL_PARTS.test(local);
  if (input.bodyLooksLikeBounce && (daemon || nullSender)) return { classification: 'bounce', reason: 'non-standard bounce text' };
  if (daemon && BOUNCE_SUBJECT_RE.test(input.subject ?? '')) return { classification: 'bounce', reason: 'daemon sender, bounce subject' };
  if (h.has('x-failed-recipients')) return { classification: 'bounce', reason: 'x-failed-recipients' };

  const autoSubmitted = first(h, 'auto-submitted')?.toLowerCase().split(/[;\s]/u)[0];
  if (autoSubmitted && autoSubmitted !== 'no') return { classification: 'auto_reply', reason: `auto-submitted: ${autoSubmitted}` };
  const precedence = first(h, 'precedence')?.toLowerCase();
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply', 'auto-reply'].includes(precedence) && !(ownList && precedence === 'list')) {
    return { classification: 'auto_reply', reason: `precedence: ${precedence}` };
  }
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-auto-reply', 'x-autogenerated']) {
    const v = first(h, name);
    if (v !== undefined && !/^(?:no|false|0)$/iu.test(v)) return { classification: 'auto_reply', reason: name };
  }
  const suppress = first(h, 'x-auto-response-suppress');
  if (suppress && /\b(?:oof|all|autoreply|dr|rn|nrn)\b/iu.test(suppress)) {
    return { classification: 'auto_reply', reason: `x-auto-response-suppress: ${suppress}` };
  }
  if ((h.has('list-id') || h.has('list-unsubscribe')) && !ownList) return { classification: 'auto_reply', reason: 'mailing list' };
  if (nullSender) return { classification: 'auto_reply', reason: 'empty return-path' };
  if (daemon) return { classification: 'bounce', reason: 'mailer-daemon/postmaster sender' };
  if (AUTO_REPLY_SUBJECT_RE.test(input.subject ?? '')) return { classification: 'auto_reply', reason: 'auto-reply subject' };
  return { classification: 'customer' };
}
