/**
 * `ponte contacts erase`, `ponte replay`, `ponte webhooks …` (issue 17). Each opens the configured
 * database (migrated) for the time of the command; changes are audited with the actor `cli`.
 */
import type { Command } from 'commander';
import type { LoadedConfig } from './config/loader.js';
import type { createDatabase } from './db/database.js';
import { findContactIdsByIdentities } from './db/repositories/contact.repository.js';
import { recordAudit } from './db/repositories/audit.repository.js';
import { ConfigError } from './domain/errors.js';
import { eraseContact, type ErasureScope } from './erasure/erasure.usecase.js';
import { channelDefinitions } from '../channels/index.js';
import { identityLookups } from './http/route-kit.js';
import { createEmailReparser } from '../channels/email/email-reparser.js';
import { replayChannel } from './replay/replay.usecase.js';
import { createConfiguredBlobStore } from './storage/create-blob-store.js';
import { newWebhookSecret } from './webhooks/webhook-signing.js';
import { listDeliveries, listSubscriptions, redeliver } from './webhooks/webhook.repository.js';

type Db = ReturnType<typeof createDatabase>;

export interface IntegrationCommandDeps {
  withDatabase<T>(fn: (loaded: LoadedConfig, db: Db) => Promise<T>): Promise<T>;
  printTable(rows: Array<Record<string, unknown>>): void;
}

const invalid = (path: string, message: string) => new ConfigError('invalid argument', [{ path, message }]);

export function registerIntegrationCommands(program: Command, { withDatabase, printTable }: IntegrationCommandDeps): void {
  const contacts = program.commands.find((c) => c.name() === 'contacts') ?? program.command('contacts').description('customers (contacts)');
  contacts
    .command('erase <contact>')
    .description('LGPD erasure of a person (contact id, email or phone); prints the receipt')
    .option('--scope <scope>', 'tickets (their tickets and messages) or messages (only what they wrote); default: retention.erasureScope')
    .option('--yes', 'confirm: erasure cannot be undone')
    .action(async (who: string, opts: { scope?: string; yes?: boolean }) => {
      if (opts.scope && opts.scope !== 'tickets' && opts.scope !== 'messages') throw invalid('--scope', 'tickets or messages');
      if (!opts.yes) throw invalid('--yes', 'erasure cannot be undone: add --yes');
      await withDatabase(async (loaded, db) => {
        let contactId = /^[0-9A-HJKMNP-TV-Z]{26}$/.test(who) ? who : undefined;
        if (!contactId) {
          const ids = [
            ...new Set(
              (
                await findContactIdsByIdentities(
                  db.kysely,
                  identityLookups(who, (e164) => channelDefinitions.flatMap((d) => d.phoneAliases?.(e164) ?? [])),
                )
              ).values(),
            ),
          ];
          if (ids.length > 1) throw invalid('contact', `"${who}" names ${ids.length} contacts; pass a contact id`);
          contactId = ids[0];
        }
        if (!contactId) throw invalid('contact', `no contact "${who}"`);
        const store = createConfiguredBlobStore(loaded.config.storage, db);
        try {
          const receipt = await eraseContact(
            db,
            store.blobs,
            { contactId, scope: (opts.scope ?? loaded.config.retention.erasureScope) as ErasureScope, actor: { type: 'cli', id: null } },
            Date.now(),
          );
          console.log(JSON.stringify(receipt, null, 2));
        } finally {
          store.close();
        }
      });
    });

  program
    .command('replay')
    .description('re-parse stored raw mail with the current parser; shows the changes (apply unless --dry-run); never sends')
    .requiredOption('--channel <id>', 'an email channel')
    .option('--since <date>', 'only messages received since (ISO date)')
    .option('--ticket <number>', 'only this ticket')
    .option('--dry-run', 'show what would change, change nothing')
    .action(async (opts: { channel: string; since?: string; ticket?: string; dryRun?: boolean }) => {
      const since = opts.since !== undefined ? Date.parse(opts.since) : undefined;
      if (since !== undefined && Number.isNaN(since)) throw invalid('--since', 'an ISO date, e.g. 2026-11-01');
      const ticket = opts.ticket !== undefined ? Number(opts.ticket.replace(/^#/, '')) : undefined;
      if (ticket !== undefined && !(Number.isInteger(ticket) && ticket > 0)) throw invalid('--ticket', 'a ticket number');
      await withDatabase(async (loaded, db) => {
        const entry = loaded.channels.find((c) => c.id === opts.channel);
        if (!entry) throw invalid('--channel', `no channel "${opts.channel}" in ${loaded.source}`);
        if (entry.kind !== 'email') throw invalid('--channel', `replay re-parses stored mail; channel ${entry.id} is ${entry.kind}`);
        const store = createConfiguredBlobStore(loaded.config.storage, db);
        const blobs = store.blobs;
        const addresses = (entry as unknown as { addresses?: string[] }).addresses ?? [];
        const reparse = createEmailReparser(blobs, {
          supportAddresses: addresses,
          maxAttachmentBytes: loaded.config.storage.maxAttachmentBytes,
        });
        const r = await replayChannel(
          db,
          blobs,
          reparse,
          { channelId: entry.id, since, ticketNumber: ticket, apply: !opts.dryRun, actor: { type: 'cli', id: null } },
          Date.now(),
        ).finally(() => store.close());
        for (const c of r.changed) {
          console.log(`#${c.ticketNumber} message ${c.messageId}`);
          if (c.replyText) console.log(`  reply text:\n    - ${JSON.stringify(c.replyText.from)}\n    + ${JSON.stringify(c.replyText.to)}`);
          if (c.classification) console.log(`  classification: ${c.classification.from} -> ${c.classification.to}`);
          if (c.attachments)
            console.log(
              `  attachments: +[${c.attachments.added.join(', ')}] not found now (kept): [${c.attachments.notFoundNow.join(', ')}]`,
            );
        }
        for (const f of r.failed) console.log(`#${f.ticketNumber} message ${f.messageId}: could not parse (${f.error})`);
        console.log(
          `${r.examined} examined, ${r.changed.length} ${opts.dryRun ? 'would change (dry run, nothing changed)' : 'updated in place'}, ${r.failed.length} failed; nothing was sent`,
        );
      });
    });

  const webhooks = program.command('webhooks').description('outbound webhooks (subscriptions in config or via the API)');
  webhooks
    .command('secret')
    .description('print a new whsec_ secret for a subscription in the config file')
    .action(() => {
      console.log(newWebhookSecret());
    });
  webhooks
    .command('list')
    .description('subscriptions (secrets are never shown)')
    .action(async () => {
      await withDatabase(async (_loaded, db) => {
        printTable(
          (await listSubscriptions(db.kysely)).map((s) => ({
            id: s.id,
            url: s.url,
            events: s.events.join(','),
            source: s.source,
            active: s.active,
          })),
        );
      });
    });
  webhooks
    .command('deliveries <subscription>')
    .description('the delivery log of one subscription, newest first')
    .option('--status <status>', 'pending | sending | delivered | failed')
    .option('--limit <n>', 'rows', '50')
    .action(async (id: string, opts: { status?: string; limit: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('--limit', '1 to 1000');
      await withDatabase(async (_loaded, db) => {
        const list = await listDeliveries(db.kysely, { subscriptionId: id, status: opts.status, limit });
        printTable(
          list.map((d) => ({
            id: d.id,
            event: d.eventType,
            status: d.status,
            attempts: d.attempts,
            answer: d.lastStatus ?? '',
            error: d.lastError ?? '',
            at: new Date(d.createdAt).toISOString(),
          })),
        );
      });
    });
  webhooks
    .command('redeliver <delivery>')
    .description('queue the same event (same webhook-id) again; the running gateway sends it')
    .action(async (id: string) => {
      await withDatabase(async (_loaded, db) => {
        const now = Date.now();
        const created = await db.kysely.transaction().execute(async (trx) => {
          const c = await redeliver(trx, id, now);
          if (c)
            await recordAudit(
              trx,
              { type: 'cli', id: null },
              'webhook.redelivered',
              { type: 'webhook_delivery', id },
              { delivery: c },
              now,
            );
          return c;
        });
        if (!created) throw invalid('delivery', `no delivery "${id}" (ponte webhooks deliveries <subscription>)`);
        console.log(`queued as delivery ${created}`);
      });
    });
}
