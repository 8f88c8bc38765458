/**
 * Text cues of automatic mail, the second kind of evidence after structure (see classify.ts):
 * who sent it (a mail system, list software), what the subject says, what the top of the body
 * says. Each cue is a family of phrasings seen across MTAs, providers and languages, not a
 * single sample.
 *
 * Contract: pure and linear: every input is capped before matching, and every pattern is an
 * alternation of literals with bounded gaps (no nested quantifiers).
 */

const cap = (s: string | undefined, n: number): string => (s ?? '').slice(0, n);

/** Mail-system senders: MAILER-DAEMON, postmaster, "Mail Delivery Subsystem", gateways. */
const DAEMON_LOCAL_RE =
  /^(?:mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|mail[-_.]?delivery(?:[-_.]?(?:system|subsystem|service))?|mail\.delivery\.system|maildelivery|mailadmin|mail[-_.]?admin|smtp[-_.]?gateway|(?:e500_)?smtp_mail_service|bounces?|bounce[-_.]?handler|nobody|noreply[-_.]?bounce|mdaemon|mail[-_.]?router|mailer|mail[-_.]?server|exchange[-_.]?admin|microsoftexchange[0-9a-f]{0,40}|interscan|imss|symantec_antivirus_for_smtp_gateways|antivirus|virusscan|postoffice)$/iu;
const DAEMON_NAME_RE =
  /^(?:mail(?:er)?[- ]?daemon|mail delivery (?:system|subsystem|service)|post ?master|microsoft outlook|microsoft exchange|mail administrator|mailer|internet mail delivery|mail system|system administrator|symantec|interscan)$/iu;

export function isDaemonSender(address: string | undefined, displayName: string | undefined): boolean {
  const local = (cap(address, 320).split('@')[0] ?? '').replace(/[\\"']/gu, '');
  if (DAEMON_LOCAL_RE.test(local)) return true;
  const name = cap(displayName, 100).replace(/["']/gu, '').trim();
  return name !== '' && DAEMON_NAME_RE.test(name);
}

/** List software: Mailman, Majordomo, LISTSERV, Sympa, ezmlm, Google Groups notices. */
const LIST_SENDER_RE =
  /(?:-(?:bounces?|request|owner|admin|confirm)(?:\+[^@]{0,80})?|^owner-[^@]{1,80}|^(?:mailman|majordomo|listserv|listproc|sympa|ezmlm|lyris|list-?manager))$/iu;

export function isListSoftwareSender(address: string | undefined): boolean {
  return LIST_SENDER_RE.test(cap(address, 320).split('@')[0] ?? '');
}

/** Subjects of delivery failures, in the languages MTAs localize them into. Matched anywhere. */
const BOUNCE_SUBJECT_RE =
  /(?:undeliver(?:ed|able)|undeliverable mail|non[- ]?deliver(?:y|able)|delivery (?:status notification \((?:failure|delay)\)|failure|failed|has failed|problem|notification|report)|mail delivery (?:failed|failure|system|problem)|returned mail|returned to sender|return(?:ed)? mail|failure notice|could not (?:be )?deliver|message not delivered|not delivered|delivery error|delivery warning|delivery delayed|delayed mail|mail system error|permanent (?:error|failure)|warning: could not send|rejected:|unzustellbar|nicht zustellbar|non remis|non recapitable|impossible de remettre|não (?:foi )?entregue|mensagem não entregue|no (?:se puede|se pudo) entregar|no entregado|onbestelbaar|niet bezorgd|non consegnato|recapito fallito|niedostarczon|nie dostarczono|kézbesíthetetlen|nedoručitel|olevererbar|ej levererat|teslim edilemedi|не доставлено|недоставлен|配信(?:エラー|不能|失敗)|送信エラー|未送達|退信|投递失败|無法傳遞)/iu;

export function isBounceSubject(subject: string | undefined): boolean {
  return BOUNCE_SUBJECT_RE.test(cap(subject, 400));
}

/** Phrases of a delivery failure report at the top of a body (EN plus the common localized ones). */
const BOUNCE_BODY_RE =
  /(?:(?:message|mail|e-?mail|letter)\b[^\n]{0,80}? (?:could not|couldn't|cannot|can't|was not|wasn't|has not been|could not be|will not be) (?:be )?(?:delivered|sent to)|undeliverable|delivery (?:to the following recipients? |has )?failed|delivery failure|mail delivery failed|failed recipients?|following (?:addresses?|recipients?) (?:had|failed)|permanent(?:ly)? fatal errors?|this is the qmail-send program|unable to deliver (?:your )?(?:message|mail)|user unknown|unknown user|no such user|mailbox (?:unavailable|not found|is full)|recipient address rejected|not a valid (?:user|recipient|mailbox|address)|over quota|quota exceeded|(?:delivery|message) [^\n]{0,60}(?:has been |was )?(?:postponed|delayed|deferred)|this is an automatically generated delivery status notification|the mail system|i'm sorry to have to inform you that your message|returned mail|unzustellbar|konnte nicht zugestellt|n'a pas pu (?:être|etre) (?:délivré|delivre|remis)|não (?:pôde|foi possível) ser entregue|no (?:pudo|ha podido) ser entregado|non è stato possibile recapitare|kon niet worden afgeleverd|nie został dostarczony|не может быть доставлено)/iu;
/** An SMTP reply with an enhanced status, or a bare enhanced status code of a failure. */
const SMTP_STATUS_RE =
  /(?:\b[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b|\(#[45]\.\d{1,3}\.\d{1,3}\)|\b(?:550|551|552|553|554)[ -](?:\S{1,40} ){0,3}(?:user|mailbox|recipient|address|requested action)|\bsmtp error code 5\d\d\b)/iu;

/** Independent bounce cues at the top of the body: a failure phrase, an SMTP status (0, 1 or 2). */
export function bounceBodyCues(topText: string | undefined): number {
  const text = cap(topText, 8000);
  return (BOUNCE_BODY_RE.test(text) ? 1 : 0) + (SMTP_STATUS_RE.test(text) ? 1 : 0);
}

/** Subjects of automatic replies in the languages of the corpora and the docs of common clients. */
const AUTO_REPLY_SUBJECT_RE =
  /^(?:(?:re|aw|sv|vs|fw|tr|rif|odp):\s*)?(?:auto(?:matic|matische|matisk|matikus)?[- ]?(?:reply|response|responder|answer|antwort|svar|risposta|resposta|respuesta|réponse|reponse|odpowiedź|odpověď|antwoord|vastaus|yanıt)|auto:|autoreply|autoresponse|out of (?:the )?office|ooo\b|away from (?:the |my )?office|on vacation|vacation (?:reply|notice|message)|abwesenheit|abwesend\s*:|réponse automatique|reponse automatique|absence(?:\s*:| du bureau)|absent du bureau|resposta automática|respuesta automática|fuera de la oficina|ausente\s*:|ausência\s*:|férias\s*:|risposta automatica|fuori ufficio\s*:|automatisch antwoord|afwezig\s*:|niet aanwezig|autosvar|frånvaro|poza biurem|automatyczna odpowiedź|nepřítomnost|automatická odpověď|otomatik yanıt|автоответ|автоматический ответ|не в офисе|自動応答|自動返信|不在|自动回复|arpus biroja|atvaļinājum|prombūtn)/iu;

/** Phrases that say "automatic reply" wherever they sit in a subject ("Arpus biroja … automatiska atbilde: …"). */
const AUTO_REPLY_ANYWHERE_RE =
  /(?:automatic reply|auto[- ]?reply|autoresponse|auto[- ]response|out of (?:the )?office|is out of the office|réponse automatique|resposta automática|respuesta automática|risposta automatica|automatische antwort|abwesenheitsnotiz|automatisch antwoord|automatiska? atbilde|automātiskā atbilde|automatiskt svar|automatisk svar|automaattinen vastaus|automatyczna odpowiedź|automatická odpověď|automatikus válasz|otomatik yanıt|автоматический ответ|自動応答|自動返信|自动回复)/iu;

export function isAutoReplySubject(subject: string | undefined): boolean {
  const s = cap(subject, 400).trim();
  return AUTO_REPLY_SUBJECT_RE.test(s) || AUTO_REPLY_ANYWHERE_RE.test(s);
}

/** Out-of-office and challenge-response phrasings at the top of a body. */
const AUTO_REPLY_BODY_RE =
  /(?:i am (?:currently )?out of (?:the )?office|i'm (?:currently )?out of (?:the )?office|i (?:am|will be) (?:away|on (?:vacation|holiday|leave)|out of the office)|this is an auto(?:mated|matic)?[- ]?(?:reply|response)|automated response to your message|this is the only notification you will receive|auto(?:matic)? reply|estou (?:ausente|de férias|fora do escritório)|estarei ausente|estoy (?:ausente|fuera de la oficina|de vacaciones)|je suis (?:absent|en congés)|ich bin (?:bis|vom|ab|zurzeit|derzeit) .{0,60}(?:nicht im büro|abwesend|im urlaub)|ich bin (?:nicht im büro|abwesend)|sono (?:assente|fuori ufficio)|ik ben (?:afwezig|niet aanwezig|met vakantie))/iu;

export function isAutoReplyBody(topText: string | undefined): boolean {
  return AUTO_REPLY_BODY_RE.test(cap(topText, 4000));
}

/** Challenge-response systems ("click to be added to my allowed list"): robots asking a robot. */
const CHALLENGE_RE =
  /(?:to have your (?:e-?mail )?address added to (?:the recipient's|my|our) (?:allowed|approved|white ?list|safe)|(?:click|visit) (?:on )?the (?:following )?link[^\n]{0,60}\n?[^\n]{0,80}(?:allowed|approved|whitelist|white list|verif)|i (?:use|am using) (?:a )?(?:spam|challenge)[- ](?:response|filter)|verify that you are (?:a )?(?:real )?(?:person|human)|sender verification (?:request|required)|your (?:e-?mail|message) (?:is being held|has been held) (?:until|pending)|this account is protected by)/iu;

export function isChallengeBody(topText: string | undefined): boolean {
  return CHALLENGE_RE.test(cap(topText, 4000));
}

/** Mailing-list software notices: moderation, non-member, loop alerts, command results. */
const LIST_NOTICE_RE =
  /(?:not a member|non-member submission|awaits moderator approval|is being held until the list moderator|you are not allowed to post|posting to a moderated|mail loop detected|loop detected|results of your email commands|you have been unsubscribed|your (?:subscription|membership) (?:to|in) the|confirm your subscription|list administrator|mailing list (?:memberships? )?reminder)/iu;

export function isListNotice(subject: string | undefined, topText: string | undefined): boolean {
  return LIST_NOTICE_RE.test(cap(subject, 400)) || LIST_NOTICE_RE.test(cap(topText, 2000));
}
