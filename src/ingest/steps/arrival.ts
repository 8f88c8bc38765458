/**
 * What every ingest step reads: the validated envelope with its channel, the time, the keys it
 * is de-duplicated by, and the services of the core. Built before the transaction (CPU only).
 */
import type { Logger } from 'pino';
import type { Clock } from '../../channel/contract.js';
import type { ChannelDirectory, ChannelEntry } from '../../channel/directory.js';
import type { PonteConfig } from '../../config/schema.js';
import type { Database, Executor } from '../../db/database.js';
import type { InboundEnvelope } from '../../domain/envelope.js';
import type { BlobStore } from '../../channel/contract.js';
import type { InlineRow } from '../../storage/inline-blob-store.js';
import type { TicketEvents } from '../../tickets/ticket-events.js';

export interface IngestDeps {
  database: Database;
  clock: Clock;
  config: PonteConfig;
  channels: ChannelDirectory;
  events: TicketEvents;
  logger: Logger;
  sanitizeHtml(html: string): string;
  /** Where raw payloads handed to ingest go (IngestOptions.raw): rows up to `inlineMaxBytes` (0: none), the rest in `blobs`. */
  rawPayloads: { blobs: BlobStore; inlineMaxBytes: number };
}

/** One envelope on its way in. */
export interface Arrival {
  channelId: string;
  channel: ChannelEntry;
  env: InboundEnvelope;
  message: InboundEnvelope['message'];
  /** Sanitized before the transaction: it holds the only SQLite connection. */
  html: string | null;
  now: number;
  /** The external id, and the adapter's idempotency key when it gave one. */
  dedupeKeys: string[];
  /** The lease check of a fetched message (IngestOptions.fence), run first in its transaction. */
  fence?: (trx: Executor) => Promise<void>;
  /** The raw payload's row (IngestOptions.raw, a small one), written first in the message's transaction. */
  rawRow?: InlineRow;
}
