/**
 * Calls made in the same turn of the event loop, answered by one query: the relevance judge asks for the
 * frequency of each term of a question at once (src/retrieval/relevance.ts), and on a database each would
 * otherwise be a round trip of its own, each waking a server process. Keys are deduplicated; a failed
 * query fails every call it answers.
 */
export function coalesce<K, V>(run: (keys: K[]) => Promise<Map<K, V>>, missing: V): (key: K) => Promise<V> {
  let waiting: Map<K, Array<{ resolve(value: V): void; reject(error: unknown): void }>> | null = null;
  const flush = async (batch: NonNullable<typeof waiting>) => {
    try {
      const found = await run([...batch.keys()]);
      for (const [key, callers] of batch) for (const c of callers) c.resolve(found.get(key) ?? missing);
    } catch (error) {
      for (const callers of batch.values()) for (const c of callers) c.reject(error);
    }
  };
  return (key) =>
    new Promise<V>((resolve, reject) => {
      if (!waiting) {
        const batch = new Map<K, Array<{ resolve(value: V): void; reject(error: unknown): void }>>();
        waiting = batch;
        setImmediate(() => {
          waiting = null;
          void flush(batch);
        });
      }
      const callers = waiting.get(key) ?? [];
      callers.push({ resolve, reject });
      waiting.set(key, callers);
    });
}
