/**
 * Applies the actions of one verified webhook body to the core, in order. Safe to run again on
 * the same body (the core de-duplicates messages on the wamid, delivery only moves forward,
 * reactions are set, not added), which is what makes the inbox's retry-the-whole-body policy
 * correct.
 *
 * Media: downloaded before ingest into the blob store. A permanent failure (too large, refused)
 * keeps the message with a visible note; a transient failure (network, 5xx) fails the body so
 * the inbox retries it, except on the last attempt, where the note is used instead: a message is
 * never lost because its picture could not be fetched.
 */
import type { ChannelContext, InboundEnvelopeInput } from '../../src/channel/contract.js';
import { ChannelError, PonteError } from '../../src/domain/errors.js';
import type { WhatsappCloudConfig } from './config.js';
import type { GraphClient } from './graph-client.js';
import { waIdToJid } from './cloud-identity.js';
import { normalizeWebhook, type CloudAction } from './normalize.js';
import { stateKeys } from './cloud-sender.js';
import { toE164 } from '../whatsapp-shared/phone.js';
import { whatsappTexts } from '../whatsapp-shared/placeholder-texts.js';

export interface ProcessSummary {
  ingested: number;
  duplicates: number;
  updates: number;
  deliveries: number;
  alerts: number;
  skipped: number;
  /** The last error Meta reported at value level (shown in the channel's health). */
  lastAlert?: { message: string; code?: number | undefined } | undefined;
}

export interface ProcessOptions {
  rawKey?: string | undefined;
  /** Last attempt of the inbox: degrade transient media failures into notes instead of failing. */
  finalAttempt: boolean;
}

export async function processWebhookBody(
  body: unknown,
  ctx: ChannelContext,
  config: WhatsappCloudConfig,
  graph: GraphClient,
  options: ProcessOptions,
): Promise<ProcessSummary> {
  const actions = normalizeWebhook(body, {
    phoneNumberId: config.phoneNumberId,
    locale: config.locale,
    rawKey: options.rawKey,
    now: ctx.clock.now(),
  });
  const summary: ProcessSummary = { ingested: 0, duplicates: 0, updates: 0, deliveries: 0, alerts: 0, skipped: 0 };
  for (const action of actions) {
    await applyAction(action, ctx, config, graph, options, summary);
  }
  return summary;
}

async function applyAction(
  action: CloudAction,
  ctx: ChannelContext,
  config: WhatsappCloudConfig,
  graph: GraphClient,
  options: ProcessOptions,
  summary: ProcessSummary,
): Promise<void> {
  const log = ctx.logger;
  switch (action.type) {
    case 'ingest': {
      const envelope = await withMedia(action, ctx, config, graph, options);
      if (action.waId) {
        // A customer who changed number writes from the new one: look the old identity up too.
        const oldWaId = await ctx.state.get<string>(stateKeys.movedFrom(action.waId));
        if (oldWaId) {
          envelope.message.lookupAlso = [
            ...(envelope.message.lookupAlso ?? []),
            { kind: 'whatsapp', address: waIdToJid(oldWaId) },
            { kind: 'phone', address: `+${oldWaId}` },
          ];
        }
      }
      // Meta sent the phone and the BSUID together: proof they are one user. Someone who first
      // wrote with a username only (a BSUID contact) and now with the phone becomes one contact.
      if (action.waId && action.bsuid) await linkBsuid(ctx, action.waId, action.bsuid);
      const outcome = await ingestKeepingMessage(envelope, ctx);
      if (outcome === 'duplicate') summary.duplicates++;
      else summary.ingested++;
      if (!envelope.ignore) {
        // The window is the user's, whichever address a reply goes to.
        if (action.waId) await recordInbound(ctx, action.waId, action.at);
        if (action.bsuid) await recordInbound(ctx, `bsuid:${action.bsuid}`, action.at);
      }
      return;
    }
    case 'reaction': {
      summary.updates++;
      const known = await ctx.updateMessage(action.update);
      if (!known) log.debug({ target: action.update.externalId }, 'reaction to a message this channel does not know');
      return;
    }
    case 'delivery': {
      summary.deliveries++;
      const known = await ctx.updateDelivery(action.update);
      if (!known)
        log.debug({ externalId: action.update.externalId, status: action.update.status }, 'status for a message this channel did not send');
      if (action.update.status === 'failed') {
        log.warn(
          { externalId: action.update.externalId, errorCode: action.update.errorCode },
          action.update.errorMessage ?? 'delivery failed',
        );
      }
      return;
    }
    case 'number-changed': {
      summary.updates++;
      await ctx.state.setMany([
        [stateKeys.movedTo(action.oldWaId), action.newWaId],
        [stateKeys.movedFrom(action.newWaId), action.oldWaId],
      ]);
      // The new number belongs to the contact the old one did: their tickets follow them.
      await ctx.linkIdentities([
        { kind: 'whatsapp', address: waIdToJid(action.oldWaId) },
        { kind: 'whatsapp', address: waIdToJid(action.newWaId) },
        { kind: 'phone', address: `+${action.newWaId}` },
      ]);
      log.info({ oldWaId: action.oldWaId, newWaId: action.newWaId }, 'customer changed WhatsApp number: replies follow the new number');
      return;
    }
    case 'alert': {
      summary.alerts++;
      if (action.level === 'error') summary.lastAlert = { message: action.message.slice(0, 300), code: action.code };
      log[action.level]({ code: action.code, detail: action.detail }, action.message);
      return;
    }
    case 'skip': {
      summary.skipped++;
      log.debug({ externalId: action.externalId }, action.reason);
      return;
    }
  }
}

async function withMedia(
  action: Extract<CloudAction, { type: 'ingest' }>,
  ctx: ChannelContext,
  config: WhatsappCloudConfig,
  graph: GraphClient,
  options: ProcessOptions,
): Promise<InboundEnvelopeInput> {
  const envelope: InboundEnvelopeInput = { ...action.envelope, message: { ...action.envelope.message } };
  const media = action.media;
  if (!media) return envelope;
  const texts = whatsappTexts(config.locale);
  try {
    const got = await graph.downloadMedia(media.mediaId, ctx.blobs, config.mediaMaxBytes);
    if (got.sha256Matches === false) ctx.logger.warn({ mediaId: media.mediaId }, 'media sha256 differs from what Meta reported');
    envelope.message.attachments = [
      {
        blobKey: got.blobKey,
        filename: media.filename,
        contentType: media.mimeType || got.contentType,
        size: got.size,
        ...(media.variant ? { variant: media.variant } : {}),
      },
    ];
    return envelope;
  } catch (err) {
    const retryable = !(err instanceof ChannelError) || err.retryable;
    if (retryable && !options.finalAttempt) throw err;
    const note =
      err instanceof ChannelError && err.code === 'whatsapp_media_too_large'
        ? texts.mediaTooLarge(config.mediaMaxBytes)
        : texts.mediaFailed(err instanceof ChannelError ? err.code : 'error');
    ctx.logger.warn(
      { mediaId: media.mediaId, err: err instanceof Error ? err.message : String(err) },
      'media not downloaded; message kept with a note',
    );
    envelope.message.text = [envelope.message.text, note].filter(Boolean).join('\n');
    envelope.message.metadata = {
      ...(envelope.message.metadata ?? {}),
      mediaError: { code: err instanceof PonteError ? err.code : 'error', message: err instanceof Error ? err.message.slice(0, 300) : '' },
    };
    return envelope;
  }
}

/**
 * Ingests; if the core rejects the envelope as invalid (an adapter bug or an odd payload), the
 * message is still kept, raw and visible, with the validation error as its parse note.
 */
async function ingestKeepingMessage(envelope: InboundEnvelopeInput, ctx: ChannelContext): Promise<'stored' | 'duplicate'> {
  try {
    const outcome = await ctx.ingest(envelope);
    return outcome.status === 'duplicate' ? 'duplicate' : 'stored';
  } catch (err) {
    if (!(err instanceof PonteError) || err.code !== 'validation_failed') throw err;
    const m = envelope.message;
    ctx.logger.error({ externalId: m.externalId, err: err.message }, 'envelope rejected by the core; keeping the message raw');
    const outcome = await ctx.ingest({
      message: {
        externalId: m.externalId,
        sentAt: m.sentAt,
        from: m.from,
        text: typeof m.text === 'string' ? m.text.slice(0, 100_000) : '',
        parseError: `could not store the normalized message: ${err.message}`.slice(0, 2000),
        metadata: { waType: (m.metadata as Record<string, unknown> | undefined)?.waType },
      },
      ...(envelope.rawKey ? { rawKey: envelope.rawKey } : {}),
    });
    return outcome.status === 'duplicate' ? 'duplicate' : 'stored';
  }
}

/** Our own record of the customer's last message (the window), kept at ingest: never moves backwards. */
/** Links once per mapping (a BSUID is per phone number: Meta issues a new one when the number changes). */
async function linkBsuid(ctx: ChannelContext, waId: string, bsuid: string): Promise<void> {
  const key = stateKeys.bsuidOf(waId);
  if ((await ctx.state.get<string>(key)) === bsuid) return;
  const e164 = toE164(waId);
  await ctx.linkIdentities([
    { kind: 'whatsapp', address: waIdToJid(waId) },
    ...(e164 ? [{ kind: 'phone' as const, address: e164 }] : []),
    { kind: 'whatsapp_bsuid', address: bsuid },
  ]);
  await ctx.state.set(key, bsuid);
}

async function recordInbound(ctx: ChannelContext, id: string, at: number): Promise<void> {
  const key = stateKeys.lastInbound(id);
  const prev = await ctx.state.get<number>(key);
  if (prev === undefined || at > prev) await ctx.state.set(key, at);
}
