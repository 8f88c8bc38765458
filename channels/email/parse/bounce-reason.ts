/**
 * Why a delivery failed, as a small closed set an admin can act on, from the DSN status code
 * (RFC 3463) first and the diagnostic text second.
 *
 * Contract: pure, linear (the text is capped before matching and every pattern is a plain
 * alternation of literals).
 */
export type BounceReason =
  | 'user_unknown'
  | 'mailbox_full'
  | 'mailbox_disabled'
  | 'domain_error'
  | 'blocked'
  | 'message_too_large'
  | 'delayed'
  | 'transient'
  | 'unknown';

const TEXT_RULES: Array<[BounceReason, RegExp]> = [
  [
    'mailbox_full',
    /\b(?:over ?quota|quota exceeded|exceeded (?:the |his |her )?(?:storage |mailbox )?quota|mailbox (?:is )?full|mailbox size limit|insufficient (?:disk )?space|disk quota|out of storage|storage (?:space )?(?:full|limit)|caixa (?:postal )?cheia|buz[oó]n lleno|postfach voll)\b/iu,
  ],
  [
    'message_too_large',
    /\b(?:message (?:is )?too (?:large|big)|message size exceeds|exceeds (?:the )?(?:maximum )?(?:message )?size|size limit exceeded)\b/iu,
  ],
  [
    'mailbox_disabled',
    /\b(?:account (?:has been |is )?(?:disabled|suspended|inactive|deactivated|expired)|mailbox (?:is )?(?:disabled|inactive|suspended)|no longer (?:active|in use|available))\b/iu,
  ],
  [
    'user_unknown',
    /\b(?:user unknown|unknown user|no such (?:user|mailbox|recipient|address)|(?:user|mailbox|recipient|address|account)(?: [\w.@<>-]{1,80})? (?:does not|doesn't|did not) exist|recipient (?:address )?rejected|invalid (?:recipient|mailbox|address)|unknown (?:recipient|mailbox|address|local[- ]part)|mailbox (?:not found|unavailable)|not a valid (?:user|mailbox)|unrouteable address|address rejected|user not found|is not a known user|no mailbox here|addressee unknown|unbekannt|inexistente|desconocido)\b/iu,
  ],
  [
    'domain_error',
    /\b(?:host (?:or domain name )?not found|domain (?:not found|does not exist)|no mx (?:record|host)|unrouteable domain|name service error|no route to host|domain is not|unknown domain|dns error|host unknown)\b/iu,
  ],
  [
    'blocked',
    /\b(?:blocked|blacklisted|blocklisted|spam|rejected for policy|policy (?:violation|rejection|reasons)|denied|refused|not permitted|not authorized|unauthorized|reputation|dmarc|spf|dkim|listed (?:at|on|in)|rbl|banned|content rejected|virus)\b/iu,
  ],
];

/** The reason class of one failed (or delayed) recipient. */
export function bounceReason(status: string | undefined, diagnostic: string | undefined, action?: string): BounceReason {
  if (action === 'delayed') return 'delayed';
  const code = /^([245])\.(\d{1,3})\.(\d{1,3})$/u.exec(status?.trim() ?? '');
  if (code) {
    const [, cls, subject, detail] = code;
    const sd = `${subject}.${detail}`;
    if (sd === '2.2' || (sd === '2.0' && /quota|full/iu.test(diagnostic ?? ''))) return 'mailbox_full';
    if (sd === '1.1' || sd === '1.0' || sd === '1.6' || sd === '1.3') return 'user_unknown';
    if (sd === '1.2' || sd === '4.4' || sd === '1.10' || (sd === '4.3' && cls === '5')) return 'domain_error';
    if (sd === '2.1') return 'mailbox_disabled';
    if (sd === '3.4' || sd === '2.3') return 'message_too_large';
    if (subject === '7') return 'blocked';
    if (cls === '4') {
      const fromText = textReason(diagnostic);
      return fromText === 'mailbox_full' ? fromText : 'transient';
    }
  }
  return textReason(diagnostic);
}

function textReason(diagnostic: string | undefined): BounceReason {
  const text = (diagnostic ?? '').slice(0, 2000);
  if (!text) return 'unknown';
  for (const [reason, re] of TEXT_RULES) if (re.test(text)) return reason;
  const smtp = /\b([45])\d\d\b/u.exec(text)?.[1];
  if (smtp === '4') return 'transient';
  return 'unknown';
}
