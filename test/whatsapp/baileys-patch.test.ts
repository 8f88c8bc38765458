/**
 * The install applies our Baileys patch (package.json postinstall: patch-package). Without it the
 * socket would acknowledge messages before storing them again, silently: this test makes a clean
 * install without the patch fail instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const baileysDir = join(process.cwd(), 'node_modules', '@whiskeysockets', 'baileys');

test('Baileys is the exact pinned version and the patch that matches it is applied', () => {
  const pinned = pkg.dependencies['@whiskeysockets/baileys'];
  expect(pinned).toBe('7.0.0-rc14');
  const installed = JSON.parse(readFileSync(join(baileysDir, 'package.json'), 'utf8')) as { version: string };
  expect(installed.version).toBe(pinned);
  expect(pkg.scripts.postinstall).toBe('patch-package');
  // patch-package names the patch after the version it was made for; a bump needs a new one.
  expect(() => readFileSync(join(process.cwd(), 'patches', `@whiskeysockets+baileys+${pinned}.patch`))).not.toThrow();
  const recv = readFileSync(join(baileysDir, 'lib', 'Socket', 'messages-recv.js'), 'utf8');
  expect(recv).toContain('await beforeMessageReceipt(msg, node.attrs.offline');
  expect(recv).toContain('deferredAck = sendReceipts;');
});

test('the patched module still loads', async () => {
  const mod = (await import('@whiskeysockets/baileys')) as { makeWASocket?: unknown };
  expect(typeof mod.makeWASocket).toBe('function');
});
