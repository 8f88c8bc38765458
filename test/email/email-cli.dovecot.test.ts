/** `ponte email check` against real servers and `ponte email parse` on real files. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerEmailCli } from '../../channels/email/cli.js';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../../scripts/test-services/dovecot.js';
import { autoReply, buildMail, dsnBounce } from '../../scripts/test-services/mail-factory.js';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/test-services/smtp-capture.js';
import { ponte } from '../ops/cli-helpers.js';
import { serviceAvailable } from '../support/services.js';

const dv = dovecotAvailable();
const run = serviceAvailable('dovecot', dv.available, dv.why);
const d = run ? describe : describe.skip;

async function runCli(args: string[], channels: unknown[]): Promise<{ out: string[]; exitCode: number | undefined }> {
  const out: string[] = [];
  const program = new Command('ponte').option('-c, --config <file>', 'config', 'ponte.yaml').exitOverride();
  registerEmailCli(program, { loadConfig: async () => ({ channels }), print: (l) => out.push(l) });
  const before = process.exitCode;
  process.exitCode = undefined;
  await program.parseAsync(['node', 'ponte', ...args]);
  const exitCode = process.exitCode as number | undefined;
  process.exitCode = before;
  return { out, exitCode };
}

d('ponte email check', () => {
  let dovecot: TestDovecot;
  let smtp: SmtpCapture;
  beforeAll(async () => {
    dovecot = await startDovecot({ password: 'S3cret-Do-Not-Print' });
    smtp = await startSmtpCapture();
    await dovecot.appendMessage(buildMail({ subject: 'x' }));
  });
  afterAll(async () => {
    await smtp.stop();
    await dovecot.dispose();
  });
  const entry = (imap: Record<string, unknown> = {}) => ({
    id: 'support',
    kind: 'email',
    addresses: ['support@help.test'],
    imap: dovecot.imapConfig(imap),
    smtp: smtp.smtpConfig(),
  });

  it('reports a working mailbox', async () => {
    const { out, exitCode } = await runCli(['email', 'check', 'support'], [entry()]);
    const text = out.join('\n');
    // The test Dovecot has no TLS: the check says so instead of claiming STARTTLS.
    expect(text).toMatch(
      /WARN {2}IMAP login support@help\.test@127\.0\.0\.1:\d+ over plain text \(password\): the credentials crossed the network unencrypted/,
    );
    expect(text).toMatch(/IMAP IDLE supported/);
    expect(text).toMatch(/folder INBOX: 1 messages/);
    expect(text).toMatch(/ok {4}SMTP login 127\.0\.0\.1/);
    expect(text).toMatch(/WARN {2}agents' mail: only the notification token proves the agent; no From-domain check/);
    expect(text).toMatch(/all checks passed/);
    expect(exitCode).toBeUndefined();
  });

  it('names what fails without printing the password', async () => {
    const { out, exitCode } = await runCli(
      ['email', 'check', 'support'],
      [{ ...entry({ password: 'wrong-S3cret-Do-Not-Print' }), smtp: { host: '127.0.0.1', port: 1, timeoutSeconds: 2 } }],
    );
    const text = out.join('\n');
    expect(text).toMatch(/FAIL {2}IMAP login/);
    expect(text).toMatch(/FAIL {2}SMTP 127\.0\.0\.1:1 .*network/);
    expect(text).not.toContain('S3cret');
    expect(exitCode).toBe(1);
  });

  it('says so when the channel does not exist', async () => {
    const { out, exitCode } = await runCli(['email', 'check', 'nope'], [entry()]);
    expect(out.join('\n')).toMatch(/no email channel "nope"/);
    expect(exitCode).toBe(2);
  });
});

describe('ponte email parse', () => {
  it('prints the normalized message with classification and bounce details', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-eml-'));
    const file = join(dir, 'bounce.eml');
    writeFileSync(
      file,
      dsnBounce({ originalMessageId: 'ponte.10001.abc.0123456789abcdef0123@help.test', recipient: 'gone@customer.test', status: '5.1.1' }),
    );
    const { out } = await runCli(['email', 'parse', file], []);
    const json = JSON.parse(out.join('\n'));
    expect(json.classification).toBe('bounce');
    expect(json.from).toMatchObject({ address: 'mailer-daemon@mx.customer.test' });
    expect(JSON.stringify(json.bounce)).toContain('gone@customer.test');
    expect(JSON.stringify(json.bounce)).toContain('5.1.1');
  });

  it('the shipped command (src/main.ts) prints why a mail was classified, as JSON and as text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ponte-eml-'));
    const file = join(dir, 'ooo.eml');
    writeFileSync(file, autoReply({ from: 'maria@customer.test', inReplyTo: 'ponte.10001.abc.0123456789abcdef0123@help.test' }));
    const json = await ponte(['email', 'parse', file]);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.classification).toBe('auto_reply');
    expect(out.classificationReason).toBe('Auto-Submitted: auto-replied');
    const text = await ponte(['email', 'parse', '--text', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^classification: {2}auto_reply$/m);
    expect(text.stdout).toMatch(/^reason: {10}Auto-Submitted: auto-replied$/m);
  }, 180_000); // two real process starts (tsx) on a busy machine
});
