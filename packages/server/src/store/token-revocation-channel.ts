import { EventEmitter } from "node:events";
import { type Kysely, sql } from "kysely";
import pg from "pg";
import type { Dialect } from "./dialect.js";
import type { Database } from "./schema.js";

/**
 * Tells every node that tokens were revoked, so their verification caches forget them at once.
 * PostgreSQL: `NOTIFY token_revoked` with the token keys, received by one `LISTEN` connection per
 * node (reconnected after a failure). SQLite is one process: local subscribers only.
 */
export interface RevocationChannel {
  publish(keys: readonly string[]): Promise<void>;
  subscribe(listener: (keys: string[]) => void): void;
  close(): Promise<void>;
}

export const REVOCATION_CHANNEL = "token_revoked";
// Token keys are 22 characters; NOTIFY payloads must stay under 8000 bytes.
const KEYS_PER_NOTIFY = 300;

export function createRevocationChannel(options: {
  db: Kysely<Database>;
  dialect: Dialect;
  databaseUrl: string | undefined;
  onError?: (error: unknown) => void;
}): RevocationChannel {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const emit = (keys: string[]) => {
    if (keys.length > 0) events.emit("revoked", keys);
  };
  if (options.dialect !== "postgres" || !options.databaseUrl) {
    return {
      async publish(keys) {
        emit([...keys]);
      },
      subscribe: (listener) => void events.on("revoked", listener),
      async close() {
        events.removeAllListeners();
      },
    };
  }

  const url = options.databaseUrl;
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url });
    const again = (error: unknown) => {
      options.onError?.(error);
      next.removeAllListeners();
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!closed && !retry)
        retry = setTimeout(() => {
          retry = undefined;
          void connect();
        }, 1000);
    };
    next.on("error", again);
    next.on("notification", (message) => {
      if (message.channel === REVOCATION_CHANNEL && message.payload) emit(message.payload.split(" "));
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${REVOCATION_CHANNEL}`);
      if (closed) await next.end();
      else client = next;
    } catch (error) {
      again(error);
    }
  };
  const ready = connect();

  return {
    async publish(keys) {
      // The local node evicts at once; the others when the notification arrives.
      emit([...keys]);
      for (let i = 0; i < keys.length; i += KEYS_PER_NOTIFY) {
        const payload = keys.slice(i, i + KEYS_PER_NOTIFY).join(" ");
        await sql`select pg_notify(${REVOCATION_CHANNEL}, ${payload})`.execute(options.db);
      }
    },
    subscribe: (listener) => void events.on("revoked", listener),
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await ready;
      events.removeAllListeners();
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners();
        await current.end().catch(() => undefined);
      }
    },
  };
}
