/**
 * Sender of the WhatsApp Cloud API channel. Orchestrates: window facts from the core and from
 * our own record (ctx.state), the pure plan (outbound-plan.ts), then Graph calls.
 *
 * Idempotency: the Graph API has no idempotency key, so a reply that needs several Graph
 * messages (long text, attachments) records each step's message id under the outbox id; a
 * retry after a partial failure skips the steps already accepted. A timeout after Meta accepted
 * a message can still duplicate it; that is the API's limit, not ours.
 */
import type { BlobStore, ChannelSender, ChannelState, Clock, OutboundMessage, SendReceipt } from '../../src/channel/contract.js';
import type { Logger } from 'pino';
import { ChannelError } from '../../src/domain/errors.js';
import { brazilAlternate, toE164 } from '../whatsapp-shared/phone.js';
import type { GraphClient } from './graph-client.js';
import type { AutomaticTemplates } from './automatic-templates.js';
import { planSend, resolveTarget } from './outbound-plan.js';
import { waIdToJid } from './cloud-identity.js';

export const stateKeys = {
  lastInbound: (id: string) => `last-inbound:${id}`,
  movedTo: (waId: string) => `moved-to:${waId}`,
  movedFrom: (waId: string) => `moved-from:${waId}`,
  /** The BSUID Meta last sent with this wa_id (linked as one contact). */
  bsuidOf: (waId: string) => `bsuid-of:${waId}`,
  sendProgress: (outboxId: string) => `send-progress:${outboxId}`,
  pending: (blobKey: string) => `webhook-pending:${blobKey}`,
  pendingPrefix: 'webhook-pending:',
};

/** Identity keys whose last message counts for the window: the wa_id and its other Brazilian form (same WhatsApp user). */
export function windowKeysFor(waId: string): string[] {
  const keys = [stateKeys.lastInbound(waId)];
  const e164 = toE164(waId);
  const alt = e164 ? brazilAlternate(e164) : undefined;
  if (alt) keys.push(stateKeys.lastInbound(alt.slice(1)));
  return keys;
}

export interface CloudSenderDeps {
  graph: GraphClient;
  state: ChannelState;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  windowHours: number;
  templates?: AutomaticTemplates | undefined;
}

interface Progress {
  ids: Array<string | null>;
  waId?: string | undefined;
}

export function createCloudSender(deps: CloudSenderDeps): ChannelSender {
  const { graph, state, blobs, clock, logger } = deps;

  return {
    async send(message: OutboundMessage): Promise<SendReceipt> {
      // Follow a customer who changed number (system webhook) before anything else.
      const first = resolveTarget(message.recipient);
      const movedTo = 'waId' in first ? await state.get<string>(stateKeys.movedTo(first.waId)) : undefined;
      const idForWindow = movedTo ?? ('waId' in first ? first.waId : `bsuid:${first.bsuid}`);
      const keys = 'waId' in first ? windowKeysFor(idForWindow) : [stateKeys.lastInbound(idForWindow)];
      const recorded = await state.getMany<number>(keys);
      const lastInboundAt = Math.max(message.recipientLastInboundAt ?? -Infinity, ...recorded.values());

      const plan = planSend({
        message,
        now: clock.now(),
        windowHours: deps.windowHours,
        lastInboundAt: Number.isFinite(lastInboundAt) ? lastInboundAt : undefined,
        movedTo,
        templates: deps.templates,
      });

      const progressKey = stateKeys.sendProgress(message.outboxId);
      const progress: Progress = (await state.get<Progress>(progressKey)) ?? { ids: plan.steps.map(() => null) };
      if (progress.ids.length !== plan.steps.length) progress.ids = plan.steps.map(() => null);
      const address = 'to' in plan.target ? { to: plan.target.to } : { recipient: plan.target.recipient };

      try {
        for (let i = 0; i < plan.steps.length; i++) {
          if (progress.ids[i]) continue;
          const step = plan.steps[i]!;
          let result: Awaited<ReturnType<typeof graph.sendMessage>>;
          if (step.kind === 'payload') {
            result = await graph.sendMessage(step.payload);
          } else {
            const bytes = await blobs.read(step.attachment.blobKey);
            const mediaId = await graph.uploadMedia(bytes, step.attachment.contentType, step.attachment.filename);
            const media: Record<string, unknown> = { id: mediaId };
            if (step.mediaType === 'document') media.filename = step.attachment.filename;
            result = await graph.sendMessage({
              ...address,
              ...(step.context ? { context: step.context } : {}),
              type: step.mediaType,
              [step.mediaType]: media,
            });
          }
          progress.ids[i] = result.messageId;
          progress.waId ??= result.waId;
          if (plan.steps.length > 1) await state.set(progressKey, progress);
        }
      } catch (err) {
        // A final failure will not be retried under this outbox id: drop the partial record.
        if (plan.steps.length > 1 && err instanceof ChannelError && !err.retryable) await state.delete(progressKey);
        throw err;
      }
      if (plan.steps.length > 1) await state.delete(progressKey);

      const externalId = progress.ids[0]!;
      // Only a phone wa_id is a WhatsApp address; for a BSUID recipient Meta may echo the BSUID.
      const canonical = progress.waId && /^\d{6,20}$/.test(progress.waId) ? progress.waId : undefined;
      if ('waId' in plan.target && canonical && canonical !== plan.target.waId) {
        logger.info(
          { outboxId: message.outboxId, input: plan.target.waId, waId: canonical },
          'Meta resolved the recipient to a different wa_id',
        );
      }
      const delivered = canonical ?? ('waId' in plan.target ? plan.target.waId : undefined);
      return { externalId, ...(delivered ? { resolvedIdentity: { kind: 'whatsapp', address: waIdToJid(delivered) } } : {}) };
    },
  };
}
