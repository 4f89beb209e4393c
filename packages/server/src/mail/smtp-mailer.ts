import nodemailer from "nodemailer";
import pino, { type Logger } from "pino";
import type { Config } from "../config/load.js";
import type { Mailer, MailMessage } from "../domain/mail/mailer.js";

/**
 * Mail through an SMTP server with nodemailer (one pooled transport for the process). Failures
 * are logged, with the recipient but never the body: bodies carry one-time links.
 */
export function createSmtpMailer(options: { url: string; from: string; log: Logger }): Mailer {
  const transport = nodemailer.createTransport(options.url);
  return {
    async send(message: MailMessage) {
      try {
        await transport.sendMail({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
        });
      } catch (error) {
        options.log.error(
          { to: message.to, subject: message.subject, err: { message: (error as Error).message } },
          "mail not sent",
        );
        throw error;
      }
    },
  };
}

/** Mail disabled: says what would have been sent (recipient and subject only, never the link). */
export function createLogOnlyMailer(log: Logger): Mailer {
  return {
    async send(message: MailMessage) {
      log.info(
        { to: message.to, subject: message.subject },
        "mail disabled (TESSERA_SMTP_URL unset): not sent",
      );
    },
  };
}

/** The mailer the configuration asks for, logging as `mail` at the configured level. */
export function mailerFromConfig(config: Pick<Config, "mail" | "logLevel">): Mailer {
  const log = pino({ name: "mail", level: config.logLevel });
  return config.mail.smtpUrl
    ? createSmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from, log })
    : createLogOnlyMailer(log);
}
