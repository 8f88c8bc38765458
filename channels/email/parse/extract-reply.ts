/** The new reply of a mail and its quoted history: the html markers first, the text rules as the fallback. Pure. */
import { splitHtmlReply } from './html-reply.js';
import { htmlToText } from './html-to-text.js';
import { stripReply } from './strip-reply.js';

export interface ReplySplit {
  reply: string;
  quoted: string;
}

/** Never empty when text exists: with nothing recognised, the whole text is the reply. */
export function extractReply(text: string, html: string | undefined, sender: string | undefined): ReplySplit {
  const opts = sender ? { sender } : {};
  if (html) {
    const split = splitHtmlReply(html);
    if (split) {
      const above = stripReply(split.above, opts);
      if (above.reply.trim()) {
        const quoted = [above.quoted, split.quoted].filter((s) => s.trim()).join('\n\n');
        return { reply: above.reply, quoted };
      }
    }
  }
  const base = text || (html ? htmlToText(html) : '');
  const stripped = stripReply(base, opts);
  if (stripped.reply.trim()) return { reply: stripped.reply, quoted: stripped.quoted };
  return { reply: base.trim(), quoted: '' };
}
