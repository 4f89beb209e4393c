import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface SinkMessage {
  to: string[];
  subject: string;
  /** The decoded plain-text body. */
  text: string;
}

/**
 * A real SMTP server on 127.0.0.1 (smtp-server from npm, no TLS, no authentication) that keeps
 * every message it receives, so tests read the mail Tessera sent over SMTP.
 */
export async function startSmtpSink() {
  const messages: SinkMessage[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const parsed = parseMessage(Buffer.concat(chunks).toString("utf8"));
        messages.push({ ...parsed, to: session.envelope.rcptTo.map((r) => r.address) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    /** The first message matching, waiting up to `ms` for it to arrive. */
    async waitFor(match: (m: SinkMessage) => boolean, ms = 5000): Promise<SinkMessage> {
      const until = Date.now() + ms;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > until) throw new Error("no matching mail arrived");
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;

/** Just enough MIME for nodemailer's single-part text mail: headers, then a 7bit/QP/base64 body. */
function parseMessage(raw: string): { subject: string; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1]?.trim() ?? "";
  const encoding = header("Content-Transfer-Encoding").toLowerCase();
  let text = body;
  if (encoding === "quoted-printable") {
    text = Buffer.from(
      body
        .replace(/=\r?\n/g, "")
        .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      "latin1",
    ).toString("utf8");
  } else if (encoding === "base64") {
    text = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  }
  return { subject: header("Subject"), text: text.replace(/\r\n/g, "\n") };
}

/** The first link in a mail that starts with `prefix`. */
export function linkIn(message: SinkMessage, prefix: string): string {
  const match = new RegExp(`${prefix.replace(/[.?*+^$()|[\]\\]/g, "\\$&")}[^\\s]*`).exec(message.text);
  if (!match) throw new Error(`no link ${prefix} in mail "${message.subject}"`);
  return match[0];
}
