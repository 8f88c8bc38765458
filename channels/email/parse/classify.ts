/**
 * Decides whether an inbound mail is a customer's message or automatic mail (auto-reply,
 * bounce, complaint, delivery receipt). Automatic mail never creates a customer ticket, never
 * gets an automatic answer and never changes a status: every miss sends an acknowledgement to a
 * robot (a mail loop), every false hit hides a customer. So the rules run in an explicit order,
 * structure first (report MIME types and their fields, SES/SNS JSON, X-Failed-Recipients), then
 * RFC 3834 / list / vendor headers, then sender and text cues, and each decision carries a
 * `reason` saying which rule fired.
 *
 * Order matters where evidence overlaps: a bounce that also carries Auto-Submitted or
 * Precedence: bulk is a bounce; a null Return-Path says "automatic", not "bounce", so it is
 * tested after the delivery-status structure; "Action: delivered/relayed/expanded" reports are
 * receipts, not bounces.
 */
import type { Classification } from '../../../src/domain/model.js';
import type { MessageStructure } from './dsn.js';
import {
  bounceBodyCues,
  isAutoReplyBody,
  isAutoReplySubject,
  isBounceSubject,
  isChallengeBody,
  isDaemonSender,
  isListNotice,
  isListSoftwareSender,
} from './mail-cues.js';
import { readSesNotification } from './ses-notification.js';

export interface ClassifyInput {
  /** Lowercase header name -> values (top-level header only). */
  headers: Map<string, string[]>;
  /** Lowercased sender address (may be empty: `From: MAILER-DAEMON <>`). */
  from?: string | undefined;
  /** The From display name. */
  fromName?: string | undefined;
  /** Top-level content type, lowercase ("multipart/report"). */
  contentType?: string | undefined;
  /** Report structure of the raw message (see dsn.ts readMessageStructure). */
  structure?: MessageStructure | undefined;
  /** The report-type parameter of a multipart/report (when no structure is given). */
  reportType?: string | undefined;
  /** Actions of the delivery-status per-recipient fields (when no structure is given). */
  dsnActions?: string[] | undefined;
  /** A non-standard bounce text was recognised in the body (qmail, Exim …). */
  bodyLooksLikeBounce?: boolean | undefined;
  /** The new text at the top of the body (the reply part), for text cues. */
  topText?: string | undefined;
  /** The whole text body (SES/SNS JSON notifications). */
  bodyText?: string | undefined;
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
  /** Why, for logs and `ponte email parse` (e.g. "auto-submitted: auto-replied"). Always set. */
  reason: string;
  /** A bounce that only reports a delay (Action: delayed, SES transient): loop-safe, but the outbound is not failed. */
  delayed?: boolean;
  /** Recipients named by an SES/SNS notification. */
  sesRecipients?: Array<{ address: string; status?: string; action?: string; diagnostic?: string }>;
  sesMessageId?: string;
}

const first = (h: Map<string, string[]>, name: string): string | undefined => h.get(name)?.[0]?.trim();

function isOwnList(h: Map<string, string[]>, own: string[] | undefined): boolean {
  if (!own?.length) return false;
  const listPost = (h.get('list-post') ?? []).join(' ').toLowerCase();
  const listId = (h.get('list-id') ?? []).join(' ').toLowerCase();
  return own.some((address) => {
    const a = address.trim().toLowerCase();
    return (a && listPost.includes(a)) || (a && listId.includes(`<${a.replace('@', '.')}>`));
  });
}

const RECEIPT_ACTIONS = new Set(['delivered', 'relayed', 'expanded']);

/** Bounce, delay or receipt from the DSN per-recipient actions. */
function fromDsnActions(actions: string[], where: string): ClassifyResult {
  const a = actions.map((x) => x.toLowerCase()).filter(Boolean);
  if (a.length > 0 && a.every((x) => RECEIPT_ACTIONS.has(x)))
    return { classification: 'delivery_receipt', reason: `${where}: Action ${[...new Set(a)].join(', ')} (a receipt)` };
  if (a.length > 0 && a.every((x) => x === 'delayed' || RECEIPT_ACTIONS.has(x)))
    return { classification: 'bounce', reason: `${where}: Action delayed (delay warning)`, delayed: true };
  return { classification: 'bounce', reason: a.length ? `${where}: Action ${[...new Set(a)].join(', ')}` : where };
}

/** Null reverse path: "<>" or a mail-system address (RFC 5321 §4.5.5: reports use the null sender). */
function nullReturnPath(h: Map<string, string[]>): boolean {
  const values = h.get('return-path');
  if (!values) return false;
  return values.some((v) => {
    const t = v.trim();
    return /^<?\s*>?$/u.test(t) || /^<?\s*(?:mailer-daemon|postmaster)@/iu.test(t) || /^<?\s*(?:mailer-daemon|postmaster)\s*>?$/iu.test(t);
  });
}

/** `From: "Jetmail System" <>`: no person's client sends an empty From address. */
function emptyFrom(input: ClassifyInput): boolean {
  return input.from === '' && input.headers.has('from');
}

/** Structure: report MIME types and their fields, wherever they sit in the message. */
function byStructure(input: ClassifyInput): ClassifyResult | undefined {
  const h = input.headers;
  const s = input.structure;
  const ct = (s?.contentType ?? input.contentType ?? '').toLowerCase();
  const reportType = (s?.reportType ?? input.reportType ?? '').toLowerCase();
  const actions = s ? s.dsnRecipients.map((r) => r.action ?? '') : (input.dsnActions ?? []);

  if (ct === 'multipart/report') {
    if (reportType === 'feedback-report')
      return { classification: 'complaint', reason: 'multipart/report; report-type=feedback-report (ARF)' };
    if (reportType === 'disposition-notification')
      return { classification: 'delivery_receipt', reason: 'multipart/report; report-type=disposition-notification (read receipt)' };
    if (reportType === 'delivery-status') return fromDsnActions(actions, 'multipart/report; report-type=delivery-status');
  }
  const feedbackType = s?.feedback ? first(s.feedback, 'feedback-type') : undefined;
  if (feedbackType)
    return { classification: 'complaint', reason: `ARF fields (Feedback-Type: ${feedbackType.toLowerCase()}) in ${ct || 'the body'}` };
  if (h.has('x-arf') || first(h, 'feedback-type')) return { classification: 'complaint', reason: 'ARF header (X-ARF / Feedback-Type)' };
  if (s?.attachedHeaders?.has('x-hmxmroriginalrecipient') || h.has('x-hmxmroriginalrecipient')) {
    return { classification: 'complaint', reason: 'Microsoft JMRP complaint (X-HmXmrOriginalRecipient)' };
  }
  if (s?.hasDeliveryStatus) return fromDsnActions(actions, `message/delivery-status part in ${ct}`);
  if (s?.hasDispositionNotification)
    return { classification: 'delivery_receipt', reason: `message/disposition-notification part in ${ct}` };
  return undefined;
}

function bySes(input: ClassifyInput): ClassifyResult | undefined {
  const body = input.bodyText ?? '';
  if (!body.trimStart().startsWith('{') && !input.headers.has('x-amz-sns-message-type')) return undefined;
  const ses = readSesNotification(body);
  if (!ses) return undefined;
  const base: Pick<ClassifyResult, 'sesRecipients' | 'sesMessageId'> = { sesRecipients: ses.recipients };
  if (ses.originalMessageId) base.sesMessageId = ses.originalMessageId;
  if (ses.kind === 'complaint') return { ...base, classification: 'complaint', reason: `SES/SNS JSON notification: ${ses.detail}` };
  if (ses.kind === 'delivery') return { ...base, classification: 'delivery_receipt', reason: `SES/SNS JSON notification: ${ses.detail}` };
  if (ses.kind === 'delay')
    return { ...base, classification: 'bounce', reason: `SES/SNS JSON notification: ${ses.detail} (delay)`, delayed: true };
  return { ...base, classification: 'bounce', reason: `SES/SNS JSON notification: ${ses.detail}` };
}

/** Bounces without a report structure: sender, headers and text together. */
function byBounceCues(input: ClassifyInput, autoSubmitted: string | undefined): ClassifyResult | undefined {
  const h = input.headers;
  if (h.has('x-failed-recipients')) return { classification: 'bounce', reason: 'X-Failed-Recipients header' };
  const daemon = isDaemonSender(input.from, input.fromName);
  if (daemon) return { classification: 'bounce', reason: `mail-system sender (${input.from || input.fromName || 'empty address'})` };
  const cues = bounceBodyCues(input.topText) + (input.bodyLooksLikeBounce ? 1 : 0);
  if (cues === 0) return undefined;
  const subject = isBounceSubject(input.subject);
  if (nullReturnPath(h)) return { classification: 'bounce', reason: 'null Return-Path and delivery-failure text' };
  if (emptyFrom(input)) return { classification: 'bounce', reason: 'empty From address (<>) and delivery-failure text' };
  if (autoSubmitted) return { classification: 'bounce', reason: `Auto-Submitted: ${autoSubmitted} and delivery-failure text` };
  if (subject) return { classification: 'bounce', reason: 'delivery-failure subject and text' };
  if (cues >= 2) return { classification: 'bounce', reason: 'delivery-failure text with an SMTP status' };
  return undefined;
}

export function classifyEmail(input: ClassifyInput): ClassifyResult {
  const h = input.headers;
  const structural = byStructure(input) ?? bySes(input);
  if (structural) return structural;

  const autoSubmittedRaw = first(h, 'auto-submitted')?.toLowerCase().split(/[;\s]/u)[0];
  const autoSubmitted = autoSubmittedRaw && autoSubmittedRaw !== 'no' ? autoSubmittedRaw : undefined;
  const bounce = byBounceCues(input, autoSubmitted);
  if (bounce) return bounce;

  // List software (not our own group relaying a customer).
  const ownList = isOwnList(h, input.ownAddresses);
  if ((h.has('list-id') || h.has('list-unsubscribe')) && !ownList)
    return { classification: 'auto_reply', reason: `mailing list (${h.has('list-id') ? 'List-Id' : 'List-Unsubscribe'})` };
  if (
    h.has('x-list-administrivia') ||
    (isListSoftwareSender(input.from) && (isListNotice(input.subject, input.topText) || h.has('x-mailman-version')))
  ) {
    return { classification: 'auto_reply', reason: 'mailing-list software notice' };
  }

  // RFC 3834 and the vendor headers that predate it.
  if (autoSubmitted) return { classification: 'auto_reply', reason: `Auto-Submitted: ${autoSubmitted}` };
  const precedence = first(h, 'precedence')?.toLowerCase();
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply', 'auto-reply'].includes(precedence) && !(ownList && precedence === 'list')) {
    return { classification: 'auto_reply', reason: `Precedence: ${precedence}` };
  }
  for (const name of [
    'x-autoreply',
    'x-autorespond',
    'x-autoresponder',
    'x-auto-reply',
    'x-autogenerated',
    'x-autoreply-from',
    'x-mail-autoreply',
    'x-fc-machinegenerated',
  ]) {
    const v = first(h, name);
    if (v !== undefined && !/^(?:no|false|0)$/iu.test(v)) return { classification: 'auto_reply', reason: `${name} header` };
  }
  if (first(h, 'x-ms-exchange-generated-message-source'))
    return { classification: 'auto_reply', reason: 'X-MS-Exchange-Generated-Message-Source header' };
  if (isListSoftwareSender(input.from)) return { classification: 'auto_reply', reason: `list software sender (${input.from})` };
  if (nullReturnPath(h)) return { classification: 'auto_reply', reason: 'null Return-Path (<>) without a delivery report' };
  if (emptyFrom(input)) return { classification: 'auto_reply', reason: 'empty From address (<>)' };

  // Text cues last. X-Auto-Response-Suppress alone is set by Outlook on ordinary mail.
  if (isAutoReplySubject(input.subject)) return { classification: 'auto_reply', reason: 'automatic-reply subject' };
  if (isChallengeBody(input.topText)) return { classification: 'auto_reply', reason: 'challenge-response text' };
  if (first(h, 'x-auto-response-suppress') && isAutoReplyBody(input.topText)) {
    return { classification: 'auto_reply', reason: 'X-Auto-Response-Suppress and out-of-office text' };
  }
  return { classification: 'customer', reason: 'no automatic-mail evidence (structure, headers, sender, subject)' };
}
