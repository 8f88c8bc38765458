import { decodeEntities, htmlToText } from './html-to-text.js';

describe('htmlToText', () => {
  it.each([
    ['paragraphs and line breaks', '<p>Olá,</p><p>linha 1<br>linha 2</p>', 'Olá,\n\nlinha 1\nlinha 2'],
    ['divs become lines', '<div>Hi. I am fine.</div><div><br></div><div>Thanks,</div><div>Alex</div>', 'Hi. I am fine.\n\nThanks,\nAlex'],
    [
      'entities decoded',
      '<p>&gt; 100 &amp; &lt; 200 &eacute; &ccedil;&atilde;o &#233; &#x263A; &nbsp;fim</p>',
      '> 100 & < 200 é ção é ☺ \u00a0fim',
    ],
    [
      'script, style and head dropped',
      '<html><head><title>x</title><style>p{}</style></head><body><script>alert(1)</script>texto</body></html>',
      'texto',
    ],
    ['inline whitespace collapsed', '<span>a</span>\n   <span>b</span>', 'a b'],
    ['list items', '<ul><li>um</li><li>dois</li></ul>', '- um\n- dois'],
    ['table cells', '<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>', 'a b\nc'],
    ['pre keeps spacing', '<pre>a  b\n  c</pre>', 'a  b\n  c'],
    ['malformed markup degrades to text', '<div>1 < 2 and <b>bold', '1 < 2 and bold'],
    ['comments dropped', 'a<!-- hidden -->b', 'ab'],
    [
      'a link keeps its target',
      '<p>Pague <a href="https://loja.example/boleto?id=1&amp;x=2">neste link</a>.</p>',
      'Pague neste link (https://loja.example/boleto?id=1&x=2).',
    ],
    [
      'a link whose text is its address is shown once',
      '<a href="https://www.example.com/">example.com</a> <a href="mailto:a@b.example">a@b.example</a>',
      'example.com a@b.example',
    ],
    [
      'mailto target shown as an address',
      '<a href="mailto:vendas@loja.example?subject=x">fale conosco</a>',
      'fale conosco (vendas@loja.example)',
    ],
    ['script and anchor links are not shown', '<a href="javascript:alert(1)">x</a> <a href="#top">y</a>', 'x y'],
    [
      'ordered lists are numbered, nested unordered ones dashed',
      '<ol><li>um</li><li>dois<ul><li>a</li></ul></li><li>três</li></ol>',
      '1. um\n2. dois\n\n- a\n\n3. três',
    ],
  ])('%s', (_name, html, expected) => {
    expect(htmlToText(html)).toBe(expected);
  });

  it('leaves unknown entities alone', () => {
    expect(decodeEntities('&bogus; &amp')).toBe('&bogus; &');
  });

  it('is linear on hostile markup', () => {
    for (const html of ['<'.repeat(500_000), '<a '.repeat(200_000), '<div class="'.repeat(100_000), '&amp'.repeat(300_000)]) {
      const t0 = performance.now();
      htmlToText(html);
      expect(performance.now() - t0).toBeLessThan(8000);
    }
  });
});
