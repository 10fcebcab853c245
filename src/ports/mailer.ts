// The mailer port: how the service hands an email to the outside world. Two
// adapters: a disk outbox (development and tests: every message lands as a
// JSON file under DATA_DIR/mail, nothing leaves the machine) and SMTP through
// nodemailer (SMTP_URL). The sender address is the adapter's configuration,
// not the caller's: a module cannot send as someone else.
//
// Rules for code that sends:
// - `send` resolves once the adapter has accepted the message (written to
//   disk, or acknowledged by the SMTP server after DATA); it rejects on any
//   failure. Delivery to the mailbox is never confirmed.
// - Sending is slow and fails for reasons the request cannot fix: send from
//   a job (an event consumer, modules/events/) or background work
//   (platform/background.ts), not on a response path, and never inside a
//   database transaction (the callback can be retried).
// - Messages may carry secrets (one-time links): adapters never log bodies.

export interface MailMessage {
  /** One recipient address. */
  readonly to: string;
  readonly subject: string;
  /** The plain-text body; always present (clients without HTML, and text-only readers). */
  readonly text: string;
  /** An HTML alternative of the same content. */
  readonly html?: string | undefined;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Releases connections; the mailer must not be used afterwards. */
  close?(): Promise<void>;
}

/** A message as a readable outbox keeps it. */
export interface StoredMail {
  readonly id: string;
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  /** ISO 8601. */
  readonly createdAt: string;
}

/**
 * What was sent, read back: the disk outbox offers it (development, and
 * operators without SMTP read their mail there); SMTP does not.
 */
export interface MailOutbox {
  /** The stored messages, newest first; the newest `limit` only when given. */
  list(options?: { readonly limit?: number }): Promise<StoredMail[]>;
}
