/**
 * `ponte email parse <file.eml>`: the normalized message as JSON, so an admin can see why a
 * mail threaded (or was classified) as it did. Attachments go to a throw-away blob store
 * unless the caller passes one; nothing touches the database or the network.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore } from '../../../src/channel/contract.js';
import { createBlobStore } from '../../../src/storage/blob-store.js';
import { parseEmail } from './index.js';

export interface ParseCliOptions {
  /** Defaults to a temporary store removed afterwards. */
  blobs?: BlobStore;
  maxAttachmentBytes?: number;
  supportAddresses?: string[];
  verifyMessageId?: (messageId: string) => number | undefined;
  /** Include the full text and html (default: only the reply and quoted parts). */
  full?: boolean;
}

/** The fields of the `email parse` output that the readable summary shows. */
export interface CliParseOutput {
  from?: { address?: string; displayName?: string };
  subject?: string | null;
  classification?: string;
  classificationReason?: string | null;
  bounce?: {
    originalMessageId?: string;
    delayed?: boolean;
    recipients: Array<{ address: string; status?: string; action?: string; reason?: string; diagnostic?: string }>;
  } | null;
  replyText?: string;
  quotedText?: string;
  attachments?: Array<{ filename: string; size: number }>;
  parseError?: string | null;
}

/** `ponte email parse --text`: why the mail was classified as it was, and what the agent sees. */
export function formatParseSummary(out: CliParseOutput): string {
  const lines: string[] = [];
  const from = out.from ? `${out.from.displayName ? `${out.from.displayName} ` : ''}<${out.from.address ?? ''}>` : '';
  lines.push(`from:            ${from}`);
  lines.push(`subject:         ${out.subject ?? ''}`);
  lines.push(`classification:  ${out.classification ?? ''}`);
  lines.push(`reason:          ${out.classificationReason ?? ''}`);
  if (out.bounce) {
    if (out.bounce.delayed) lines.push('bounce:          delay warning (the message has not failed)');
    if (out.bounce.originalMessageId) lines.push(`about message:   ${out.bounce.originalMessageId}`);
    for (const r of out.bounce.recipients) {
      lines.push(
        `failed:          ${r.address}${r.status ? ` ${r.status}` : ''}${r.reason ? ` (${r.reason})` : ''}${r.diagnostic ? ` ${r.diagnostic.slice(0, 160)}` : ''}`,
      );
    }
  }
  if (out.parseError) lines.push(`parse error:     ${out.parseError}`);
  for (const a of out.attachments ?? []) lines.push(`attachment:      ${a.filename} (${a.size} bytes)`);
  lines.push(
    '',
    '--- reply (what the agent sees) ---',
    out.replyText ?? '',
    '',
    '--- quoted / signature (hidden) ---',
    out.quotedText || '(none)',
  );
  return lines.join('\n');
}

export async function parseEmailFileForCli(path: string, options: ParseCliOptions = {}): Promise<object> {
  const raw = await readFile(path);
  let tempRoot: string | undefined;
  let blobs = options.blobs;
  if (!blobs) {
    tempRoot = mkdtempSync(join(tmpdir(), 'ponte-parse-'));
    blobs = createBlobStore(tempRoot);
  }
  try {
    const parsed = await parseEmail(raw, {
      blobs,
      maxAttachmentBytes: options.maxAttachmentBytes ?? 25 * 1024 * 1024,
      supportAddresses: options.supportAddresses ?? [],
      ...(options.verifyMessageId ? { verifyMessageId: options.verifyMessageId } : {}),
    });
    const m = parsed.message;
    const out: Record<string, unknown> = {
      externalId: m.externalId,
      from: m.from,
      to: m.to ?? [],
      cc: m.cc ?? [],
      subject: m.subject ?? null,
      sentAt: m.sentAt !== undefined ? new Date(m.sentAt).toISOString() : null,
      classification: parsed.classification,
      classificationReason: parsed.classificationReason,
      bounce: parsed.bounce ?? null,
      loop: parsed.loop,
      headers: parsed.headers,
      threadHints: m.threadHints ?? { references: [], signedTicketNumbers: [] },
      replyText: m.replyText ?? m.text ?? '',
      quotedText: m.quotedText ?? '',
      attachments: (m.attachments ?? []).map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
        ...(a.contentId ? { contentId: a.contentId } : {}),
        ...(a.inline ? { inline: true } : {}),
        blobKey: a.blobKey,
      })),
      parseError: m.parseError ?? null,
      bytes: raw.length,
    };
    if (options.full) {
      out.text = m.text ?? '';
      out.html = m.html ?? null;
    }
    return out;
  } finally {
    if (tempRoot) rmSync(tempRoot, { recursive: true, force: true });
  }
}
