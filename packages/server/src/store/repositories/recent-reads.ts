/**
 * How long a row read from the database answers later lookups on this node. Another node's change
 * shows within this window: the same second as the gateway's verification cache and the
 * revocation channel.
 */
const RECENT_READ_SECONDS = 1;
const MAX_ENTRIES = 10_000;

/**
 * Reads remembered for a second, by key. This node's own writes go through `changing`, so they take
 * effect at once; a read that began before a change is not remembered (it may hold the old row).
 * Real time by default, not the application clock: the window is about how stale a copy may be,
 * which a test's frozen clock must not stretch.
 */
export function recentReads<K, V>(
  options: {
    now?: () => number;
    /** Values not to remember (e.g. "not found": a row created on another node is usable at once). */
    remember?: (value: V) => boolean;
  } = {},
) {
  const now = options.now ?? (() => performance.now());
  const remember = options.remember ?? (() => true);
  const windowMs = RECENT_READ_SECONDS * 1000;
  const recent = new Map<K, { at: number; value: V }>();
  // Bumped by every local change: a read that began before a change must not be remembered.
  let changes = 0;
  const forget = (key: K) => {
    changes++;
    recent.delete(key);
  };
  return {
    async read(key: K, load: () => Promise<V>): Promise<V> {
      const hit = recent.get(key);
      if (hit && now() - hit.at < windowMs) return hit.value;
      const started = now();
      const before = changes;
      const value = await load();
      if (changes !== before || !remember(value)) return value;
      if (recent.size >= MAX_ENTRIES) recent.clear();
      recent.set(key, { at: started, value });
      return value;
    },
    /** A local write that changes `key`: what is remembered of it is forgotten before and after. */
    async changing<R>(key: K, write: () => Promise<R>): Promise<R> {
      forget(key);
      try {
        return await write();
      } finally {
        forget(key);
      }
    },
  };
}
