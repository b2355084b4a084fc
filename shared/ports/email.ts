/** One email the app sends. `id` is stable for the same logical email and makes delivery idempotent. */
export interface EmailMessage {
  /** Stable id of this email (for example `reminder:<factoryId>:<cycle>`); a retry reuses it. */
  id: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Sends email: Azure Communication Services in Azure, the local SMTP sink on the local host.
 * `send` resolves once the transport has accepted the message and throws on any failure, so the
 * caller can retry; a retry with the same `id` does not produce a second email where the transport
 * allows it (ACS: the id becomes the send operation's id; SMTP: the id becomes the Message-ID).
 */
export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
}
