/**
 * What a channel's current parser reads from one stored raw payload (replay, issue 17). The
 * email channel provides a `Reparser` (channels/email/email-reparser.ts); the replay use case
 * (src/replay) compares its answer with the stored message. Defined here so neither side
 * imports the other.
 */
export interface ReparsedMessage {
  text: string;
  replyText: string;
  quotedText: string | null;
  classification: string;
  attachments: Array<{
    blobKey: string;
    filename: string;
    contentType: string;
    size: number;
    contentId?: string | undefined;
    inline?: boolean | undefined;
  }>;
}

/** The channel's current parser over one raw payload. */
export type Reparser = (raw: Buffer) => Promise<ReparsedMessage>;
