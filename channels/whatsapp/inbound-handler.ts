/**
 * What the Baileys source does with each event once it is its turn (events of one socket are
 * handled one at a time, in order): a message is normalized, its media downloaded, and it is
 * ingested; a stub waits for its re-send (pending-stubs.ts); edits, revokes, reactions and
 * receipts update earlier messages; identities learned anywhere go to the LID map. Decisions
 * come from normalize*.ts; this module only carries them out.
 */
import type { ChannelContext } from '../../src/channel/contract.js';
import type { InboundMessageInput, IngestOutcome } from '../../src/domain/envelope.js';
import { whatsappTexts, type WhatsappLocale } from '../whatsapp-shared/placeholder-texts.js';
import { serialize } from './auth-state.js';
import type { LidMap } from './lid-map.js';
import { pairOfContact } from './lid-map.js';
import { downloadToBlob } from './media-download.js';
import { normalizeUpsertMessage, type UpsertDecision } from './normalize.js';
import { normalizeMessageUpdate, normalizeReaction, normalizeReceipt, type UpdateDecision } from './normalize-updates.js';
import type { PendingStubs } from './pending-stubs.js';
import type { WaEventMap, WaMessage, WaSocketPort } from './socket-port.js';

const INGEST_RETRY_DELAYS_MS = [500, 2_000, 5_000];
/** Bound of the in-memory id sets (dedupe only; the core de-duplicates for good). */
const REMEMBER_MAX = 5000;

export interface InboundHandlerDeps {
  ctx: ChannelContext;
  ignoreGroups: boolean;
  mediaMaxBytes: number;
  locale: WhatsappLocale;
  lidMap: LidMap;
  pending: PendingStubs;
  /** The logged-in account's JID, when known. */
  meJid(): string | undefined;
  /** False once the source stops: ingest retries give up. */
  isRunning(): boolean;
  onActivity(): void;
}

export interface InboundHandler {
  message(port: WaSocketPort, msg: WaMessage, upsertType: string, requestId: string | undefined): Promise<void>;
  updates(items: WaEventMap['messages.update']): Promise<void>;
  reactions(items: WaEventMap['messages.reaction']): Promise<void>;
  receipts(items: WaEventMap['message-receipt.update']): Promise<void>;
  /** History is context, not new conversations: harvest identities only. */
  history(h: WaEventMap['messaging-history.set']): Promise<void>;
}

function remember(set: Set<string>, value: string): void {
  set.add(value);
  if (set.size > REMEMBER_MAX) set.delete(set.values().next().value!);
}

export function errInfo(err: unknown): { message: string; code?: string } {
  const e = err as { message?: unknown; code?: unknown };
  return { message: typeof e?.message === 'string' ? e.message : String(err), ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}

export function createInboundHandler(deps: InboundHandlerDeps): InboundHandler {
  const { ctx, lidMap, pending, locale } = deps;
  const log = ctx.logger;
  const appliedUpdates = new Set<string>();
  /** Ids ingested by this process: a replayed stub for one of them is stale, not pending. */
  const recentIngested = new Set<string>();

  const applyUpdate = async (decision: UpdateDecision | UpsertDecision): Promise<void> => {
    if (decision.action === 'delivery') {
      await ctx.updateDelivery(decision.update);
      return;
    }
    if (decision.action !== 'update') return;
    // Baileys reports the same edit/revoke/reaction both as an upsert and as an update event.
    if (appliedUpdates.has(decision.dedupeKey)) return;
    const known = await ctx.updateMessage(decision.update);
    remember(appliedUpdates, decision.dedupeKey);
    if (!known) log.debug({ externalId: decision.update.externalId }, 'whatsapp: update for an unknown message');
  };

  /**
   * Baileys never delivers a message twice, so a failed ingest must not lose it: transient
   * failures are retried (bounded), and an envelope the core rejects is kept as a visible
   * placeholder with the parse error and the raw payload.
   */
  const ingestSafely = async (message: InboundMessageInput, rawKey: string): Promise<IngestOutcome> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await ctx.ingest({ message, rawKey });
      } catch (err) {
        if ((err as { code?: unknown }).code === 'validation_failed') {
          log.error({ err: errInfo(err), externalId: message.externalId, rawKey }, 'whatsapp: message rejected by the core; kept as raw');
          const metadata = message.metadata as { type?: unknown; chatJid?: unknown } | undefined;
          return ctx.ingest({
            message: {
              externalId: message.externalId,
              from: message.from,
              text: whatsappTexts(locale).unsupportedType(String(metadata?.type ?? 'unknown')),
              parseError: errInfo(err).message.slice(0, 2000),
              metadata: { chatJid: metadata?.chatJid },
            },
            rawKey,
          });
        }
        // Another gateway holds the number now: it receives the message again (no receipt from us).
        if ((err as { code?: unknown }).code === 'lease_lost') throw err;
        if (attempt >= INGEST_RETRY_DELAYS_MS.length || !deps.isRunning()) {
          log.error(
            { err: errInfo(err), externalId: message.externalId, rawKey },
            'whatsapp: could not store a message; its raw payload is kept under rawKey',
          );
          throw err;
        }
        await new Promise((r) => setTimeout(r, INGEST_RETRY_DELAYS_MS[attempt]));
      }
    }
  };

  const ingestMessage = async (
    port: WaSocketPort,
    msg: WaMessage,
    decision: Extract<UpsertDecision, { action: 'ingest' }>,
  ): Promise<void> => {
    const id = msg.key?.id ?? undefined;
    const message = decision.message;
    const learned = (message.metadata as { learnedMapping?: { lid: string; pn: string } } | undefined)?.learnedMapping;
    if (learned) await lidMap.remember(learned.lid, learned.pn);
    if (decision.media) {
      const result = await downloadToBlob(port, msg, decision.media, ctx.blobs, deps.mediaMaxBytes, locale);
      if (result.attachment) message.attachments = [result.attachment];
      if (result.note) message.text = [message.text, result.note].filter(Boolean).join('\n');
      if (result.errorCode) message.metadata = { ...message.metadata, mediaError: result.errorCode };
      if (decision.media.durationSec) message.metadata = { ...message.metadata, durationSec: decision.media.durationSec };
    }
    const raw = await ctx.blobs.put(serialize(msg), { raw: true });
    const outcome = await ingestSafely(message, raw.key);
    deps.onActivity();
    if (id) remember(recentIngested, id);
    if (id) await pending.settle(id, message, outcome.status);
    log.debug({ externalId: id, outcome: outcome.status }, 'whatsapp: ingested');
  };

  return {
    async message(port, msg, upsertType, requestId) {
      const id = msg.key?.id ?? undefined;
      const knownOutbound = msg.key?.fromMe === true && id ? Boolean(await ctx.findOutbound(id)) : false;
      const decision = normalizeUpsertMessage(msg, {
        ignoreGroups: deps.ignoreGroups,
        locale,
        upsertType,
        requestId,
        lidToPn: lidMap.lookup,
        knownOutbound,
        meJid: deps.meJid(),
      });
      switch (decision.action) {
        case 'ignore':
          log.debug({ externalId: id, reason: decision.reason }, 'whatsapp: ignored');
          return;
        case 'update':
          await applyUpdate(decision);
          return;
        case 'await_retry':
          if (recentIngested.has(decision.externalId)) return;
          await pending.await(decision.externalId, decision.placeholder);
          log.info({ externalId: decision.externalId, reason: decision.reason }, 'whatsapp: waiting for the re-sent message');
          return;
        case 'ingest':
          await ingestMessage(port, msg, decision);
          return;
      }
    },
    async updates(items) {
      for (const item of items) for (const d of normalizeMessageUpdate(item, ctx.clock.now())) await applyUpdate(d);
    },
    async reactions(items) {
      for (const item of items) await applyUpdate(normalizeReaction(item, lidMap.lookup, deps.meJid(), ctx.clock.now()));
    },
    async receipts(items) {
      for (const item of items) await applyUpdate(normalizeReceipt(item));
    },
    async history(h) {
      for (const m of h.lidPnMappings ?? []) await lidMap.remember(m.lid, m.pn);
      for (const c of h.contacts ?? []) {
        const pair = pairOfContact(c);
        await lidMap.remember(pair.lid, pair.pn);
      }
    },
  };
}
