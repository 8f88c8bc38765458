/**
 * Html-aware reply splitting: clients mark where the quoted message starts (Gmail's
 * gmail_quote, Outlook's divRplyFwdMsg and border-top header blocks, Apple Mail and
 * Thunderbird's blockquote type=cite and moz-cite-prefix, Yahoo's yahoo_quoted, Outlook for
 * Mac's OLK_SRC_BODY_SECTION, an <hr> followed by a header block). We cut the html at the
 * first marker, convert the part above to text and pass it through the text rules (which drop
 * an "On … wrote:" attribution left above a blockquote, and signatures).
 *
 * Contract: pure, never throws, linear in the html size. Returns undefined when no marker is
 * found; the caller then uses the text path.
 */
import { attrValue, tokenizeHtml, tokensToText, type HtmlToken } from './html-to-text.js';
import { endsWithReplyHeader, startsWithHeaderKey } from './reply-headers.js';

export interface HtmlSplit {
  /** Text of the html above the quote marker. */
  above: string;
  /** Text of the quoted part (the marker and everything after it). */
  quoted: string;
  marker: string;
}

const CLASS_MARKERS = [
  'gmail_quote',
  'yahoo_quoted',
  'moz-cite-prefix',
  'protonmail_quote',
  'zmail_extra',
  'ms-outlook-mobile-reference-message',
  'tutanota_quote',
  'spark_quote',
  'airmail_quote',
  'front-blockquote',
  'freshdesk_quote',
  'quoted-text',
];
const ID_MARKERS = [
  'divrplyfwdmsg',
  'appendonsend',
  'olk_src_body_section',
  'mail-editor-reference-message-container',
  'stopspelling',
  'isforwardcontent',
  'reply-intro',
];

/** Text that follows token `index`, up to about `limit` characters, tags ignored. */
function textAfter(tokens: HtmlToken[], index: number, limit: number): string {
  let s = '';
  for (let k = index + 1; k < tokens.length && k < index + 200 && s.length < limit; k++) {
    const t = tokens[k]!;
    if (t.type === 'text') s += t.text;
    else if (t.type === 'open' && (t.name === 'br' || t.name === 'div' || t.name === 'p')) s += '\n';
  }
  return s.replace(/&nbsp;|&#160;/giu, ' ');
}

function markerOf(tokens: HtmlToken[], index: number): string | undefined {
  const t = tokens[index]!;
  if (t.type !== 'open') return undefined;
  const attrs = t.attrs ?? '';
  if (!attrs && t.name !== 'hr') return undefined;
  const cls = (attrValue(attrs, 'class') ?? '').toLowerCase();
  if (cls) {
    for (const m of CLASS_MARKERS) if (cls.split(/\s+/u).includes(m)) return m;
    if (cls.split(/\s+/u).some((c) => c.startsWith('yahoo_quoted'))) return 'yahoo_quoted';
  }
  const id = (attrValue(attrs, 'id') ?? '').toLowerCase();
  if (id) {
    for (const m of ID_MARKERS) if (id === m || id.startsWith(`${m}_`)) return m;
    if (id.startsWith('yahoo_quoted')) return 'yahoo_quoted';
  }
  if (t.name === 'blockquote') {
    const type = (attrValue(attrs, 'type') ?? '').toLowerCase();
    if (type === 'cite') return 'blockquote-cite';
  }
  if (attrValue(attrs, 'data-marker') === '__QUOTED_TEXT__') return 'samsung-quote';
  if (t.name === 'hr' && startsWithHeaderKey(textAfter(tokens, index, 300))) return 'hr-header';
  if (t.name === 'div' || t.name === 'p') {
    const style = (attrValue(attrs, 'style') ?? '').toLowerCase();
    if (style.includes('border-top') && startsWithHeaderKey(textAfter(tokens, index, 300))) return 'border-top-header';
  }
  return undefined;
}

/** Plain blockquotes examined for a reply header above them (bounded work). */
const MAX_PLAIN_BLOCKQUOTES = 5;

export function splitHtmlReply(html: string): HtmlSplit | undefined {
  const tokens = tokenizeHtml(html);
  let plainBlockquotes = 0;
  for (let i = 0; i < tokens.length; i++) {
    let marker = markerOf(tokens, i);
    const t = tokens[i]!;
    if (!marker && t.type === 'open' && t.name === 'blockquote' && plainBlockquotes++ < MAX_PLAIN_BLOCKQUOTES) {
      // Any other client: a blockquote right under an "On … wrote:" line.
      const before = tokens.slice(Math.max(0, i - 60), i);
      if (endsWithReplyHeader(tokensToText(html, before))) marker = 'blockquote-after-header';
    }
    if (!marker) continue;
    return {
      above: tokensToText(html, tokens.slice(0, i)),
      quoted: tokensToText(html, tokens.slice(i)),
      marker,
    };
  }
  return undefined;
}
