/**
 * The small page a plain HTML form (no JavaScript) lands on when the form has no `redirect`:
 * a thank-you or an error, in the form's language (pt-BR, es, en), instead of raw JSON. Pure.
 * Every interpolated value is HTML-escaped; no script; the router sends it with a CSP that
 * allows nothing but its inline style.
 */
import type { PageLocale } from './form-answer.js';

interface Texts {
  title: string;
  thanks: string;
  withTicket: (n: number) => string;
  withoutTicket: string;
  errorTitle: string;
  errors: Record<string, string>;
  genericError: string;
  fieldsHeading: string;
  back: string;
}

const TEXTS: Record<PageLocale, Texts> = {
  'pt-BR': {
    title: 'Mensagem recebida',
    thanks: 'Obrigado! Recebemos a sua mensagem.',
    withTicket: (n) => `O número do seu atendimento é #${n}. Vamos responder no contato que você informou.`,
    withoutTicket: 'Vamos responder no contato que você informou.',
    errorTitle: 'Não foi possível enviar',
    errors: {
      validation_failed: 'Alguns campos estão faltando ou inválidos.',
      payload_too_large: 'O envio é grande demais.',
      attachment_too_large: 'Um dos arquivos é grande demais.',
      attachment_type_refused: 'Um dos arquivos é de um tipo que não aceitamos.',
      too_many_attachments: 'Há arquivos demais.',
      rate_limited: 'Muitos envios em pouco tempo. Tente de novo em alguns minutos.',
      unavailable: 'Não conseguimos registrar agora. Tente de novo em alguns instantes.',
    },
    genericError: 'O envio não pôde ser aceito.',
    fieldsHeading: 'Verifique:',
    back: 'Voltar',
  },
  es: {
    title: 'Mensaje recibido',
    thanks: '¡Gracias! Recibimos su mensaje.',
    withTicket: (n) => `El número de su solicitud es #${n}. Le responderemos en el contacto que indicó.`,
    withoutTicket: 'Le responderemos en el contacto que indicó.',
    errorTitle: 'No se pudo enviar',
    errors: {
      validation_failed: 'Faltan algunos campos o no son válidos.',
      payload_too_large: 'El envío es demasiado grande.',
      attachment_too_large: 'Uno de los archivos es demasiado grande.',
      attachment_type_refused: 'Uno de los archivos es de un tipo que no aceptamos.',
      too_many_attachments: 'Hay demasiados archivos.',
      rate_limited: 'Demasiados envíos en poco tiempo. Inténtelo de nuevo en unos minutos.',
      unavailable: 'No pudimos registrarlo ahora. Inténtelo de nuevo en unos instantes.',
    },
    genericError: 'No se pudo aceptar el envío.',
    fieldsHeading: 'Revise:',
    back: 'Volver',
  },
  en: {
    title: 'Message received',
    thanks: 'Thank you! We received your message.',
    withTicket: (n) => `Your request number is #${n}. We will answer at the contact you gave.`,
    withoutTicket: 'We will answer at the contact you gave.',
    errorTitle: 'Could not send',
    errors: {
      validation_failed: 'Some fields are missing or invalid.',
      payload_too_large: 'The submission is too large.',
      attachment_too_large: 'One of the files is too large.',
      attachment_type_refused: 'One of the files is of a type we do not accept.',
      too_many_attachments: 'There are too many files.',
      rate_limited: 'Too many submissions in a short time. Try again in a few minutes.',
      unavailable: 'We could not record it right now. Try again in a moment.',
    },
    genericError: 'The submission could not be accepted.',
    fieldsHeading: 'Please check:',
    back: 'Back',
  },
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Sent with every page: nothing may load or run; only the inline style below. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export interface SuccessPage {
  locale: PageLocale;
  ticketNumber?: number | undefined;
  /** The site the form was posted from (an allowed origin), for a "back" link. */
  backUrl?: string | undefined;
}

export function renderSuccessPage(page: SuccessPage): string {
  const t = TEXTS[page.locale];
  const detail = page.ticketNumber !== undefined ? t.withTicket(page.ticketNumber) : t.withoutTicket;
  return layout(page.locale, t.title, `<h1>${escapeHtml(t.thanks)}</h1>\n<p>${escapeHtml(detail)}</p>`, page.backUrl, t.back);
}

export interface ErrorPage {
  locale: PageLocale;
  error: string;
  issues?: ReadonlyArray<{ path: string; message: string }> | undefined;
  backUrl?: string | undefined;
}

export function renderErrorPage(page: ErrorPage): string {
  const t = TEXTS[page.locale];
  let body = `<h1>${escapeHtml(t.errorTitle)}</h1>\n<p>${escapeHtml(t.errors[page.error] ?? t.genericError)}</p>`;
  if (page.issues && page.issues.length > 0) {
    const items = page.issues
      .slice(0, 50)
      .map((i) => `<li><strong>${escapeHtml(i.path)}</strong>: ${escapeHtml(i.message)}</li>`)
      .join('\n');
    body += `\n<p>${escapeHtml(t.fieldsHeading)}</p>\n<ul>\n${items}\n</ul>`;
  }
  return layout(page.locale, t.errorTitle, body, page.backUrl, t.back);
}

function layout(locale: PageLocale, title: string, body: string, backUrl: string | undefined, backLabel: string): string {
  const back = backUrl ? `\n<p><a href="${escapeHtml(backUrl)}">${escapeHtml(backLabel)}</a></p>` : '';
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}h1{font-size:1.4rem}</style>
</head>
<body>
${body}${back}
</body>
</html>
`;
}
