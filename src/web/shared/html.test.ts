import { escapeHtml, html } from './html.js';

describe('html templates', () => {
  test('interpolated text is escaped, nested templates are not escaped twice', () => {
    const name = '<img src=x onerror=alert(1)> & "quotes"';
    const inner = html`<b>${name}</b>`;
    expect(html`<p title="${name}">${inner}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;"><b>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;</b></p>',
    );
  });
  test('arrays join, null/undefined/false vanish, numbers print', () => {
    expect(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}${null}${undefined}${false}${0}</ul>`.value).toBe(
      '<ul><li>a&lt;</li><li>b</li>0</ul>',
    );
  });
  test('single quotes and backticks are escaped for attribute safety', () => {
    expect(escapeHtml("'`")).toBe('&#39;&#96;');
  });
});
