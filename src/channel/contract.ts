/**
 * The port between the core and the channel adapters. Adapters import only this file and
 * `src/domain/*`. See ARCHITECTURE.md "The channel contract".
 */
import type { Readable } from 'node:stream';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AttachmentRef, InboundEnvelopeInput, IngestOutcome } from '../domain/envelope.js';
import type { Address, DeliveryStatus, IdentityKind } from '../domain/model.js';
import type { OutboundMessage, SendReceipt } from '../domain/outbound.js';

export type { InboundEnvelopeInput, IngestOutcome } from '../domain/envelope.js';
export type { OutboundMessage, SendReceipt } from '../domain/outbound.js';

export interface Clock {
  now(): number;
}

/** Key-value state scoped to one channel (IMAP cursors, WhatsApp auth keys). JSON values. */
export interface ChannelState {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Many keys at once; missing keys are absent from the result. */
  getMany<T = unknown>(keys: string[]): Promise<Map<string, T>>;
  set(key: string, value: unknown): Promise<void>;
  /** Several writes in one transaction; `undefined`/`null` deletes. */
  setMany(entries: Array<[string, unknown]>): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys with this prefix (for wiping credentials). */
  keys(prefix: string): Promise<string[]>;
  deletePrefix(prefix: string): Promise<number>;
}

export interface IngestRawOption {
  raw?: Uint8Array;
}

export interface BlobPutResult {
  key: string;
  size: number;
}

/** Content-addressed store (sha256). `put` streams; over `maxBytes` it throws BlobTooLargeError and keeps nothing. */
export interface BlobStore {
  /**
   * `raw`: the raw payload kept for replay (a small one may be stored in the database, storage.inlineMaxBytes).
   * Once it has resolved, the store keeps no reference to a Uint8Array `source`: the caller may release its memory.
   */
  put(source: Readable | Uint8Array | string, options?: { maxBytes?: number; raw?: boolean }): Promise<BlobPutResult>;
  get(key: string): Readable;
  read(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  /** Removes the blob (no error when absent). Only for erasure: keys are content-addressed and may be shared, so callers check references first. */
  delete(key: string): Promise<void>;
  /** Present on the local-disk store only: its files, for a helper process on this machine (the email parse child). */
  readonly local?: LocalBlobFiles | undefined;
}

/**
 * A local-disk store's files, shared with a helper process on the same machine (the email parse
 * child reads a raw mail from its file and writes decoded attachments into `stagingDir`) so the
 * bytes never cross a pipe between the processes. The remote stores (S3, PostgreSQL) have none.
 */
export interface LocalBlobFiles {
  /** The file holding `key`, or undefined when the blob is kept elsewhere (inline in the database) or absent. */
  fileOf(key: string): Promise<string | undefined>;
  /** A folder on the store's filesystem where another process may write a file for `adopt`. */
  readonly stagingDir: string;
  /**
   * Takes a file written in `stagingDir` in under the sha256 of its content, hashed here (what
   * the writer claims is never the key); the file is gone afterwards, whatever the outcome (a
   * path outside `stagingDir` is refused and left alone). Over
   * `maxBytes` it throws BlobTooLargeError and keeps nothing.
   */
  adopt(path: string, options?: { maxBytes?: number }): Promise<BlobPutResult>;
}

/** Cross-process exclusive lease (one WhatsApp socket per number). */
export interface LeaseManager {
  /** True when this process now holds `name` until now+ttlMs (acquired or renewed). */
  acquire(name: string, ttlMs: number): Promise<boolean>;
  /**
   * Acquire or renew, with the lease's fencing epoch: it grows by one each time the lease passes
   * to a new holder and stays on a renewal, so a holder that sees its epoch move lost the lease
   * in between (another process held it, and may have written).
   */
  take(name: string, ttlMs: number): Promise<LeaseGrant>;
  /**
   * Writes that land only while this process still holds `name` at `epoch`, checked inside the
   * writing transaction (a stale holder cannot overwrite the new holder's keys or checkpoints).
   * A refused write throws LeaseLostError (code `lease_lost`) and changes nothing.
   */
  fence(name: string, epoch: number): FencedWrites;
  release(name: string): Promise<void>;
}

export interface LeaseGrant {
  held: boolean;
  /** The lease's fencing epoch (the current holder's, when not held). */
  epoch: number;
}

export interface FencedWrites {
  /** Reads as the channel state; every write is fenced. */
  readonly state: ChannelState;
  saveCheckpoint(key: string, value: unknown): Promise<void>;
  /**
   * `ingest`, refused once the fence no longer holds: the fence is checked inside the message's
   * transaction, which also saves the envelope's checkpoint, so a refused message writes neither.
   */
  ingest(envelope: InboundEnvelopeInput): Promise<IngestOutcome>;
}

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** Token buckets shared by every gateway process (in the database): `perMinute` tokens, refilled continuously. */
export interface SharedRateLimits {
  take(key: string, perMinute: number, nowMs: number): Promise<RateDecision>;
}

export interface MessageUpdate {
  /** The external id of the message being changed. */
  externalId: string;
  edit?: { text: string; at: number };
  revoked?: { at: number };
  /** The real content of a placeholder arrived (a WhatsApp message that first failed to decrypt): not an edit. */
  replace?: { text: string; attachments: AttachmentRef[]; at: number };
  /** A reaction by `by` (normalized address); empty emoji removes it. */
  reaction?: { emoji: string; by: string; at: number };
}

export interface DeliveryUpdate {
  externalId: string;
  status: DeliveryStatus;
  at: number;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
}

export interface StoredOutbound {
  messageId: string;
  ticketNumber: number;
  text: string;
  externalId: string;
  createdAt: number;
}

export interface ChannelContext {
  readonly channelId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Aborted when the gateway stops. */
  readonly signal: AbortSignal;
  readonly state: ChannelState;
  readonly blobs: BlobStore;
  readonly leases: LeaseManager;
  /** Present when several gateway processes may share the database (PostgreSQL); absent: count in memory. */
  readonly rateLimits?: SharedRateLimits;
  /** Server secret for signing (HMAC keys are derived from it per purpose). */
  deriveKey(purpose: string): Buffer;
  /**
   * The only way data enters the core. Safe to call again with the same message: answers `duplicate`.
   * `raw`: the raw payload to keep for replay (instead of a `blobs.put` and the envelope's `rawKey`):
   * the core stores it and sets `rawKey`; a small one (storage.inlineMaxBytes) is written in the
   * message's own transaction, so a refused or failed message leaves no stored payload behind.
   */
  ingest(envelope: InboundEnvelopeInput, options?: IngestRawOption): Promise<IngestOutcome>;
  /** Edit, revoke or react to a stored message. Never creates or reopens a ticket. Returns false if unknown. */
  updateMessage(update: MessageUpdate): Promise<boolean>;
  /** Move an outbound message's delivery status forward (never backwards). Returns false if unknown. */
  updateDelivery(update: DeliveryUpdate): Promise<boolean>;
  /** A stored outbound message by its external id (Baileys getMessage for re-encryption). */
  findOutbound(externalId: string): Promise<StoredOutbound | undefined>;
  /**
   * These addresses are one person (a WhatsApp LID learned for a phone JID, a customer's new
   * number). Unknown addresses join the contact that owns any of them; two contacts owning
   * them are merged into the older one (identities, tickets, participation). No contact is
   * created when none owns any. Returns the contact id, if any.
   */
  linkIdentities(addresses: Address[]): Promise<string | undefined>;
  /** Save a checkpoint without a message (an ignored IMAP uid range, a history sync mark). */
  saveCheckpoint(key: string, value: unknown): Promise<void>;
}

export type ChannelHealthState =
  | 'starting'
  | 'ok'
  | 'degraded'
  | 'needs_pairing'
  | 'connecting'
  | 'connected'
  | 'backing_off'
  | 'logged_out'
  /** The server refused our credentials: retried only at long intervals (accounts get locked for less). */
  | 'auth_failed'
  /** WhatsApp wants a passkey to link this device, which the Baileys channel cannot provide. */
  | 'passkey_required'
  /** Connected, but recent messages could not be decrypted (lost session keys, e.g. after the LID move). */
  | 'undecryptable'
  | 'stopped'
  /** Another gateway process holds this channel's source lease and fetches for it (several gateways on one database). */
  | 'standby'
  | 'error';

/** Every state, for metrics (one series per state). */
export const CHANNEL_HEALTH_STATES: readonly ChannelHealthState[] = [
  'starting',
  'ok',
  'degraded',
  'needs_pairing',
  'connecting',
  'connected',
  'backing_off',
  'logged_out',
  'auth_failed',
  'passkey_required',
  'undecryptable',
  'stopped',
  'standby',
  'error',
];

export interface ChannelHealth {
  state: ChannelHealthState;
  lastActivityAt?: number | undefined;
  lastError?: string | undefined;
  /** Free-form, secrets-free detail (backlog, next attempt, folders …). */
  detail?: Record<string, unknown> | undefined;
}

export interface InboundSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): ChannelHealth;
}

export interface ChannelSender {
  /** Called once before the first attempt; the id is stored with the message and reused on retries. */
  assignExternalId?(message: OutboundMessage): string;
  /**
   * Returns a receipt or throws ChannelError (a literal code + retryable); nothing else. Safe
   * for concurrent calls.
   */
  send(message: OutboundMessage): Promise<SendReceipt>;
  close?(): Promise<void>;
}

export interface PairingInfo {
  state: ChannelHealthState;
  /** The QR payload string to render (PNG/SVG) when pairing by QR. */
  qr?: string | undefined;
  /** A pairing code for "link with phone number". */
  pairingCode?: string | undefined;
  updatedAt: number;
}

export interface ChannelRuntime {
  source?: InboundSource;
  sender?: ChannelSender;
  /**
   * Push channels: mounted by the core at `http.path` before any body parser (raw bytes
   * available). The router owns its wire protocol: it answers in the provider's terms (Meta's
   * verification challenge and 200-or-retry semantics, a web form's answer page or redirect),
   * never with the core's JSON error body, and it maps its own failures to statuses; the core's
   * error-to-status mapping (src/http/errors.ts) is for the core's API only.
   */
  http?: { path: string; router: Router };
  pairing?(): PairingInfo | undefined;
}

export interface ChannelCapabilities {
  inbound: 'pull' | 'socket' | 'push' | 'none';
  canSend: boolean;
  /** email: In-Reply-To/References; chat: quoted message ids, one conversation per contact. */
  threading: 'email' | 'chat' | 'none';
  /** Identity kinds this channel can deliver to, preferred first. */
  deliversTo: IdentityKind[];
  maxAttachmentBytes?: number;
}

/** Fields every configured channel has, whatever its kind. The core reads these; the rest is the adapter's. */
export interface BaseChannelConfig {
  id: string;
  kind: string;
  enabled: boolean;
  /** Locale for automatic messages (pt-BR, es, en). */
  locale?: string | undefined;
  /** Hours after closing during which a customer message reopens the ticket instead of starting a follow-up. */
  reopenWindowHours?: number | undefined;
  /** Chat channels: hours after a close during which any message reopens the ticket. */
  resumeWindowHours?: number | undefined;
  /** Unknown senders: `reply` with a template and no ticket, or `review` (a flagged ticket). */
  knownContactsOnly?: 'reply' | 'review' | undefined;
}

export interface ChannelDefinition<C extends BaseChannelConfig = BaseChannelConfig> {
  kind: string;
  /** Validates one configured channel of this kind (the whole entry, including id/kind). */
  configSchema: z.ZodType<C>;
  capabilities(config: C): ChannelCapabilities;
  /** Channels that cannot send (web forms) name the channel that carries replies to the requester. */
  replyVia?(config: C): string | undefined;
  /** No I/O here: only build. I/O starts in `source.start()` or on the first send. */
  create(config: C, context: ChannelContext): ChannelRuntime;
  /**
   * Other identities under which this kind may know whoever holds a phone number (WhatsApp: the
   * phone's JID). A phone an agent types is also looked up under these; nothing is created.
   */
  phoneAliases?(e164: string): Address[];
  /**
   * The identity kinds this channel kind owns (WhatsApp: phone JIDs and LIDs): how an address
   * an agent types is checked, and which phone an address stands for. The core knows no address
   * format beyond email and E.164 phones; it asks the channel directory for the rest.
   */
  identityKinds?: readonly IdentityKindDescription[];
}

export interface IdentityKindDescription {
  kind: IdentityKind;
  /** What a valid address looks like, for error messages ("a WhatsApp JID like …"). */
  hint: string;
  /** The address as stored (trimmed …), or undefined when it is not a valid address of this kind. */
  validate(address: string): string | undefined;
  /** The E.164 phone the address stands for, when it names one (a phone JID; a LID does not). */
  phoneOf?(address: string): string | undefined;
}

export function defineChannel<C extends BaseChannelConfig>(definition: ChannelDefinition<C>): ChannelDefinition<C> {
  return definition;
}
