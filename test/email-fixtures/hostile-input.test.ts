/**
 * Linear time on untrusted text (issue 9): one mail of ~380 KB of `@` runs froze the gateway
 * for 21 s through a super-linear address regex. Each hostile body below goes through the
 * whole parse (mailparser, normalization, classification, reply stripping, html to text) and
 * must finish within a bound that only a linear parse meets on a loaded CI machine.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEmail } from '../../channels/email/parse/index.js';
import { createBlobStore } from '../../src/storage/blob-store.js';

const BOUND_MS = 5000;

function mail(body: string, contentType = 'text/plain; charset=utf-8'): Buffer {
  return Buffer.from(
    [
      'From: Attacker <a@attacker.example>',
      'To: support@example.invalid',
      'Subject: Re: hello',
      'Message-ID: <hostile@attacker.example>',
      'MIME-Version: 1.0',
      `Content-Type: ${contentType}`,
      'Content-Transfer-Encoding: 8bit',
      '',
      body,
    ].join('\r\n'),
    'utf8',
  );
}

const lines = (line: string, count: number): string => Array.from({ length: count }, () => line).join('\n');

const cases: Array<[string, Buffer]> = [
  ['380 KB of @ runs in 1000-char lines', mail(lines('@'.repeat(1000), 380))],
  ['100 KB of @ in one line', mail('@'.repeat(100_000))],
  ['a@ and .@ runs', mail(lines('a@'.repeat(500), 200) + lines('a.'.repeat(500), 200) + lines('a@b.'.repeat(250), 200))],
  ['runs of >', mail(lines('>'.repeat(2000), 200))],
  ['deep nesting of quotes', mail(lines('> '.repeat(5000), 40))],
  ['runs of -', mail(lines('-'.repeat(2000), 200) + lines(`-${' '.repeat(2000)}`, 100))],
  ['runs of spaces', mail(lines(`x${' '.repeat(4000)}y`, 100) + lines(`${' '.repeat(4000)}:`, 50))],
  ['"On " repeated', mail(lines('On '.repeat(2000), 100) + lines('On 1 a@b.c '.repeat(300), 50))],
  ['"wrote" and colons', mail(lines('wrote: '.repeat(1000), 100) + lines('From: '.repeat(1000), 100))],
  ['a 1 MB single line', mail('x'.repeat(1_000_000))],
  ['a 1 MB single line of mixed tokens', mail('Sent from my <a@b.c> -- On wrote: '.repeat(30_000))],
  ['underscores and equals', mail(lines('_'.repeat(3000), 100) + lines('='.repeat(3000), 100))],
  [
    'html: deep nesting and runs of <',
    mail(`${'<div>'.repeat(20_000)}x${'</div>'.repeat(20_000)}${'<'.repeat(200_000)}`, 'text/html; charset=utf-8'),
  ],
  ['html: @ runs in a blockquote', mail(`<p>hi</p><blockquote>${'@'.repeat(300_000)}</blockquote>`, 'text/html; charset=utf-8')],
  ['html: entity runs', mail(`<p>${'&amp;'.repeat(100_000)}${'&#'.repeat(100_000)}</p>`, 'text/html; charset=utf-8')],
];

describe('parsing hostile bodies stays linear', () => {
  const blobs = createBlobStore(mkdtempSync(join(tmpdir(), 'ponte-hostile-')));

  it.each(cases)('%s', async (_name, raw) => {
    const t0 = performance.now();
    const parsed = await parseEmail(raw, { blobs, maxAttachmentBytes: 1024 * 1024, supportAddresses: ['support@example.invalid'] });
    const ms = performance.now() - t0;
    expect(parsed.message.externalId).toBe('hostile@attacker.example');
    expect({ ms: Math.round(ms), within: ms < BOUND_MS }).toEqual({ ms: Math.round(ms), within: true });
  });
});
