/**
 * Does an agent's message look like their auto-responder rather than their answer? Pure.
 *
 * Mail clients' out-of-office replies often carry no Auto-Submitted header and a plain subject;
 * one such reply to five notifications once reached a customer five times. We look for the
 * phrases those replies open with (pt, es, en, de, fr), in the subject or the first lines only,
 * so an answer that mentions a holiday further down is still an answer. The pipeline adds the
 * second signal: the same text repeated by the same agent.
 */

/** Lower-case, accents removed, whitespace collapsed. Linear. */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

const SUBJECT_PHRASES = [
  'out of office',
  'out of the office',
  'automatic reply',
  'auto reply',
  'auto-reply',
  'autoreply',
  'away from the office',
  'on vacation',
  'on holiday',
  'on leave',
  'resposta automatica',
  'fora do escritorio',
  'ausencia',
  'ausente',
  'ferias',
  'respuesta automatica',
  'fuera de la oficina',
  'vacaciones',
  'ausente',
  'abwesenheit',
  'abwesend',
  'automatische antwort',
  'nicht im buro',
  'urlaub',
  'reponse automatique',
  'absence',
  'absent',
  'conge',
  'en vacances',
];

const BODY_PHRASES = [
  // en
  'i am out of the office',
  "i'm out of the office",
  'i am currently out of the office',
  'i am out of office',
  'i am currently away',
  "i'm currently away",
  'i am away from',
  'i am on vacation',
  "i'm on vacation",
  'i am on holiday',
  "i'm on holiday",
  'i am on leave',
  'with limited access to email',
  'with limited access to e-mail',
  'this is an automatic reply',
  'this is an automated reply',
  'auto-reply:',
  'automatic reply:',
  'out of office:',
  // pt
  'estou fora do escritorio',
  'estarei fora do escritorio',
  'estou de ferias',
  'estarei de ferias',
  'estou ausente',
  'estarei ausente',
  'encontro-me ausente',
  'encontro-me de ferias',
  'esta e uma resposta automatica',
  'resposta automatica:',
  'mensagem automatica',
  'retornarei em',
  'retorno no dia',
  'com acesso limitado ao e-mail',
  'com acesso limitado ao email',
  // es
  'estoy fuera de la oficina',
  'estare fuera de la oficina',
  'estoy de vacaciones',
  'estare de vacaciones',
  'me encuentro fuera',
  'me encuentro de vacaciones',
  'estoy ausente',
  'esta es una respuesta automatica',
  'respuesta automatica:',
  'regresare el',
  'volvere el',
  'con acceso limitado al correo',
  // de
  'ich bin derzeit nicht im buro',
  'ich bin nicht im buro',
  'ich bin im urlaub',
  'ich befinde mich im urlaub',
  'ich bin abwesend',
  'ich bin bis',
  'dies ist eine automatische antwort',
  'automatische antwort:',
  'abwesenheitsnotiz',
  'mit eingeschranktem zugriff auf e-mails',
  // fr
  'je suis absent',
  'je suis absente',
  'je suis en conge',
  'je suis en vacances',
  'je serai absent',
  'je serai absente',
  'je serai de retour',
  'ceci est une reponse automatique',
  'reponse automatique :',
  'reponse automatique:',
  'je suis actuellement absent',
  'je suis actuellement absente',
];

/** The first few lines of the text, where an auto-responder states what it is. */
const OPENING_CHARS = 400;

export function looksLikeAgentAutoReply(subject: string | undefined, text: string): string | undefined {
  const label = subjectLabel(subject).trim();
  const subjectHit = SUBJECT_PHRASES.find((p) => label === p);
  if (subjectHit) return `subject says "${subjectHit}"`;
  const opening = foldText(text.slice(0, OPENING_CHARS * 2)).slice(0, OPENING_CHARS);
  const bodyHit = BODY_PHRASES.find((p) => opening.includes(p));
  return bodyHit ? `text opens with "${bodyHit}"` : undefined;
}

/**
 * What an auto-responder puts before the original subject: "Out of Office: …", "Resposta
 * automática: …", "Abwesenheit: [#10001] …" (the part before the first `:` or `[`, after any
 * leading Re:/AW:/RES:). "Re: [#10001] Cliente ausente" has no label.
 */
function subjectLabel(subject: string | undefined): string {
  let s = foldText((subject ?? '').slice(0, 300));
  for (;;) {
    const m = /^(re|res|aw|sv|vs|rv|ref|fw|fwd|enc|tr)\s?:\s*/.exec(s);
    if (!m) break;
    s = s.slice(m[0].length);
  }
  const end = s.search(/[:[]/);
  return end < 0 ? s : s.slice(0, end);
}

/** Texts shorter than this may well be typed twice by a person ("ok", "obrigado"). */
export const REPEAT_MIN_CHARS = 40;
