/** One plain-text message to one recipient. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Outgoing mail. Implementations live outside the domain (SMTP through nodemailer, or a log line
 * when no SMTP server is configured); `send` rejects when the message could not be handed over.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * Sends without making the caller wait: answers then take the same time whether or not a message
 * went out, and a slow or failing SMTP server never fails the request (the mailer logs failures).
 */
export function sendInBackground(mailer: Mailer, message: MailMessage): void {
  mailer.send(message).catch(() => undefined);
}
