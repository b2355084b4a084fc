import type { Transporter } from 'nodemailer';
import type { EmailSender } from '../../ports/email';

export interface SmtpEmailSenderConfig {
  /** The SMTP server (on the local host: the mail sink on loopback). */
  host: string;
  port: number;
  /** The From header; default `Better Work SLCP <no-reply@bw-slcp.local>`. */
  from?: string;
  /** Connection, greeting and socket timeouts; default 10 s. */
  timeoutMs?: number;
}

export const defaultSmtpFrom = 'Better Work SLCP <no-reply@bw-slcp.local>';
const messageIdDomain = 'bw-slcp.local';

/**
 * The Message-ID header for a message id: `<id@bw-slcp.local>`, with every character other than a letter,
 * digit, `-` or `_` written as `=XX` (its UTF-8 bytes in hex), so any id gives a valid Message-ID and two
 * different ids never give the same one. The local sink stores one message per Message-ID.
 */
export function smtpMessageId(id: string): string {
  if (id === '') throw new Error('an email needs a non-empty id');
  const local = Array.from(Buffer.from(id, 'utf8'))
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9_-]/.test(char) ? char : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `<${local}@${messageIdDomain}>`;
}

/**
 * Sends email over plain SMTP to a local server (the local host's mail sink on loopback): no
 * authentication, no STARTTLS. nodemailer is loaded on first use. `send` resolves once the server has
 * accepted the message and rejects otherwise (server down, refused, timed out).
 */
export function createSmtpEmailSender(config: SmtpEmailSenderConfig): EmailSender {
  const timeoutMs = config.timeoutMs ?? 10_000;
  let transporter: Promise<Transporter> | undefined;
  const getTransporter = () => {
    if (!transporter) {
      transporter = import('nodemailer').then(({ createTransport }) =>
        createTransport({
          host: config.host,
          port: config.port,
          // Plain SMTP to the local sink; nothing here touches certificate checking.
          secure: false,
          ignoreTLS: true,
          connectionTimeout: timeoutMs,
          greetingTimeout: timeoutMs,
          socketTimeout: timeoutMs,
        })
      );
      transporter.catch(() => {
        transporter = undefined;
      });
    }
    return transporter;
  };

  return {
    async send(message) {
      const messageId = smtpMessageId(message.id);
      try {
        await (
          await getTransporter()
        ).sendMail({
          from: config.from ?? defaultSmtpFrom,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html !== undefined ? { html: message.html } : {}),
          messageId,
        });
      } catch (error) {
        throw new Error(
          `email ${message.id} was not sent to SMTP ${config.host}:${config.port}: ${(error as Error)?.message ?? String(error)}`,
          { cause: error }
        );
      }
    },
  };
}
