import { sanitizeEmailHtml } from './sanitize-html.js';

describe('sanitizeEmailHtml', () => {
  test('removes scripts, handlers and styles', () => {
    const out = sanitizeEmailHtml('<p onclick="x()">Oi<script>alert(1)</script><style>p{}</style></p><a href="javascript:alert(1)">x</a>');
    expect(out).toBe('<p>Oi</p><a rel="noopener noreferrer nofollow" target="_blank">x</a>');
  });
  test('drops remote images (tracking pixels), keeps inline cid images', () => {
    expect(sanitizeEmailHtml('<img src="https://tracker.example/p.gif"><img src="cid:logo@x">')).toBe('<img src="cid:logo@x" />');
  });
  test('keeps the quoting structure', () => {
    expect(sanitizeEmailHtml('<div class="gmail_quote"><blockquote type="cite">antes</blockquote></div>')).toContain(
      '<blockquote type="cite">',
    );
  });
});
