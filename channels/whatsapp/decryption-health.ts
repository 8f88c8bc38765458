/**
 * When does a connected number count as "undecryptable"? A pure decision over the messages that
 * WhatsApp delivered but this session could not decrypt and that were never re-sent (their
 * placeholders are shown to agents). One such message is noise (the phone re-sends most); a few in
 * a day mean this linked device lost the sessions of its contacts, which is what the move to LID
 * addressing did to some accounts (Baileys 7 "Bad MAC" / "No session" stubs that never resolve).
 * Retrying does not fix it; only a new pairing (fresh keys) does.
 */
export interface DecryptionHealthOptions {
  /** Unresolved placeholders within the window that flag the number. */
  threshold: number;
  windowMs: number;
}

export const DEFAULT_DECRYPTION_HEALTH: DecryptionHealthOptions = { threshold: 3, windowMs: 24 * 3600_000 };

export interface DecryptionHealth {
  undecryptable: boolean;
  /** Unresolved placeholders within the window. */
  count: number;
  /** The oldest of them (ms), when any. */
  since?: number | undefined;
  explanation?: string | undefined;
}

/** `unresolved`: when each still-unresolved placeholder's message first arrived (ms). */
export function decideDecryptionHealth(
  unresolved: readonly number[],
  now: number,
  options: DecryptionHealthOptions = DEFAULT_DECRYPTION_HEALTH,
): DecryptionHealth {
  const recent = unresolved.filter((at) => at <= now && now - at <= options.windowMs);
  if (recent.length < options.threshold) return { undecryptable: false, count: recent.length };
  const hours = Math.round(options.windowMs / 3600_000);
  return {
    undecryptable: true,
    count: recent.length,
    since: Math.min(...recent),
    explanation:
      `${recent.length} messages in the last ${hours} h arrived but could not be decrypted, and WhatsApp did not re-send them: ` +
      'this linked device has lost the encryption sessions of some contacts (it happened to accounts when WhatsApp moved to LID addresses). ' +
      'Agents see a placeholder asking the customer to send again. Messages keep arriving; to get new keys, remove the device on the phone ' +
      '(Linked devices) and pair again.',
  };
}
