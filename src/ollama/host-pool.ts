import { HostsDisagreeError, ModelNotFoundError, OllamaHostsFailedError } from "../errors.js";
import { createOllamaClient, type OllamaClient } from "./client.js";
import { ollamaReachable } from "./reachable.js";
import { isTransient } from "./retry.js";
import type { OllamaTagsResponse } from "./wire.js";

/**
 * Several Ollama hosts behind the one OllamaClient interface, so the embedder and the chat adapter use it
 * unchanged. Each request goes to the host with the fewest requests in flight (an ingest keeps
 * GROUNDED_EMBED_CONCURRENCY per host in flight, so every host gets that many). A host that fails (refused,
 * 5xx, silent past the timeout) rests — it gets work again when no other host can take it, or when its rest
 * is over (twice GROUNDED_RETRY_BASE_MS, doubling with each failure in a row, at most 30 s) — and the
 * request goes to the next host at once. A host that answers 404 for a model is passed over for that model
 * while another host has it. Only when every host failed is the request lost: one error naming each host and
 * what it said. With one host, every call is that host's call, errors and all.
 */
export interface HostPoolSettings {
  readonly ollamaHosts: readonly string[];
  readonly ollamaTimeoutMs: number;
  readonly retryBaseMs: number;
}

interface HostState {
  host: string;
  /** Requests this process has open on the host now. */
  inFlight: number;
  /** How much longer the host rests after a failure, in ms; 0 when it takes work. */
  restingMs: number;
  /** What its last failure was, until it answers again. */
  lastError: string | null;
}

export interface HostProbe extends HostState {
  reachable: boolean;
  version: string | null;
}

export interface HostPool extends OllamaClient {
  readonly clients: readonly OllamaClient[];
  state(): HostState[];
  /** Asks every host for its version now. */
  probe(): Promise<HostProbe[]>;
}

const REST_MAX_MS = 30_000;
/** A model one host lacks may be pulled there meanwhile: after this long the host is asked again. */
const LACKS_MS = 60_000;

interface Host {
  client: OllamaClient;
  inFlight: number;
  /** Failures in a row; each one doubles the next rest. */
  strikes: number;
  restUntil: number;
  lastError: string | null;
  /** Model → until when this host is passed over for it (it answered 404). */
  lacks: Map<string, number>;
}

interface Attempt<T> {
  value: T;
  host: Host;
}

export function createHostPool(settings: HostPoolSettings, options: { fetch?: typeof fetch } = {}): HostPool {
  const hosts: Host[] = settings.ollamaHosts.map((host) => ({
    client: createOllamaClient({ host, timeoutMs: settings.ollamaTimeoutMs, fetch: options.fetch }),
    inFlight: 0,
    strikes: 0,
    restUntil: 0,
    lastError: null,
    lacks: new Map(),
  }));
  const names = hosts.map((h) => h.client.host);
  /** Per embedding model, the first host that answered and the width of its vectors. */
  const widths = new Map<string, { host: string; width: number }>();

  const lacks = (h: Host, model: string | undefined) =>
    model !== undefined && (h.lacks.get(model) ?? 0) > Date.now();

  /** The least busy host not tried yet: one that is not resting if there is one, and has the model. */
  function pick(model: string | undefined, tried: Set<Host>): Host | undefined {
    const now = Date.now();
    const someHas = hosts.some((h) => !lacks(h, model));
    const open = hosts.filter((h) => !tried.has(h) && !(someHas && lacks(h, model)));
    const awake = open.filter((h) => h.restUntil <= now);
    let best: Host | undefined;
    for (const h of awake.length > 0 ? awake : open) if (!best || h.inFlight < best.inFlight) best = h;
    return best;
  }

  function failed(h: Host, error: unknown, model: string | undefined): void {
    h.lastError = error instanceof Error ? error.message : String(error);
    if (error instanceof ModelNotFoundError) {
      if (model !== undefined) h.lacks.set(model, Date.now() + LACKS_MS);
      return;
    }
    const now = Date.now();
    // Requests that were already on their way when the rest began do not lengthen it.
    if (h.restUntil > now) return;
    h.strikes++;
    h.restUntil = now + Math.min(REST_MAX_MS, 2 * settings.retryBaseMs * 2 ** (h.strikes - 1));
  }

  function answered(h: Host, model: string | undefined): void {
    h.strikes = 0;
    h.restUntil = 0;
    h.lastError = null;
    if (model !== undefined) h.lacks.delete(model);
  }

  function everyHostFailed(what: string, model: string | undefined, failures: Array<[Host, unknown]>) {
    const [only] = failures;
    if (hosts.length === 1 && only) return only[1];
    const said = hosts.map((h) => {
      const failure = failures.find(([f]) => f === h);
      // A host never tried was passed over because it lacks the model.
      return {
        host: h.client.host,
        error: failure ? failure[1] : new ModelNotFoundError(model ?? "", h.client.host),
      };
    });
    if (model !== undefined && said.every((s) => s.error instanceof ModelNotFoundError))
      return new ModelNotFoundError(model, names, new AggregateError(said.map((s) => s.error)));
    return new OllamaHostsFailedError(what, said);
  }

  /**
   * Runs `work` on one host after another until one succeeds. The host that answered stays counted in
   * flight until the caller is done with the answer (a chat stream at its end) and takes it off. A fault
   * that another host would meet as well (a bad request, the caller's abort) is thrown at once.
   */
  async function attempt<T>(
    what: string,
    model: string | undefined,
    signal: AbortSignal | undefined,
    work: (client: OllamaClient) => Promise<T>,
  ): Promise<Attempt<T>> {
    const tried = new Set<Host>();
    const failures: Array<[Host, unknown]> = [];
    for (let h = pick(model, tried); h; h = pick(model, tried)) {
      tried.add(h);
      h.inFlight++;
      try {
        const value = await work(h.client);
        answered(h, model);
        return { value, host: h };
      } catch (error) {
        h.inFlight--;
        if (signal?.aborted || !(isTransient(error) || error instanceof ModelNotFoundError)) throw error;
        failed(h, error, model);
        failures.push([h, error]);
      }
    }
    throw everyHostFailed(what, model, failures);
  }

  async function call<T>(
    what: string,
    model: string | undefined,
    signal: AbortSignal | undefined,
    work: (client: OllamaClient) => Promise<T>,
  ): Promise<T> {
    const { value, host } = await attempt(what, model, signal, work);
    host.inFlight--;
    return value;
  }

  /** The error for a question every host was asked (version, tags) and none answered. */
  function noHostAnswered(what: string, errors: unknown[]): unknown {
    // An HTTP answer (a 404 from an old Ollama, say) means that host is there: say what it said.
    const answer = errors.find((e) => !isTransient(e) && (e as Error)?.name !== "TimeoutError");
    if (hosts.length === 1 || answer !== undefined) return answer ?? errors[0];
    return new OllamaHostsFailedError(
      what,
      hosts.map((h, i) => ({ host: h.client.host, error: errors[i] })),
    );
  }

  function checkWidth(model: string, host: string, width: number | undefined): void {
    if (!width) return;
    const seen = widths.get(model);
    if (seen && seen.host !== host && seen.width !== width)
      throw new HostsDisagreeError(model, seen, { host, width });
    if (!seen || seen.host === host) widths.set(model, { host, width });
  }

  return {
    host: names.join(", "),
    clients: hosts.map((h) => h.client),

    // The first host to answer: one that is down or silent does not hold up the others.
    version: (o) =>
      Promise.any(hosts.map((h) => h.client.version(o))).catch((e: AggregateError) => {
        throw noHostAnswered("GET /api/version", e.errors);
      }),

    async tags(o): Promise<OllamaTagsResponse> {
      const settled = await Promise.allSettled(hosts.map((h) => h.client.tags(o)));
      const all = settled.flatMap((s) => (s.status === "fulfilled" ? s.value.models : []));
      if (!settled.some((s) => s.status === "fulfilled"))
        throw noHostAnswered(
          "GET /api/tags",
          settled.map((s) => (s.status === "rejected" ? s.reason : undefined)),
        );
      return { models: all.filter((m, i) => all.findIndex((x) => x.name === m.name) === i) };
    },

    show: (model, o) => call(`POST /api/show for "${model}"`, model, o?.signal, (c) => c.show(model, o)),

    async embed(request, o) {
      const { value, host } = await attempt(
        `POST /api/embed for "${request.model}"`,
        request.model,
        o?.signal,
        (c) => c.embed(request, o),
      );
      host.inFlight--;
      checkWidth(request.model, host.client.host, value.embeddings[0]?.length);
      return value;
    },

    async *chat(request, o) {
      // Another host can take over until the first chunk; after it, a failure ends the answer.
      const { value, host } = await attempt(
        `POST /api/chat for "${request.model}"`,
        request.model,
        o?.signal,
        async (c) => {
          const stream = c.chat(request, o)[Symbol.asyncIterator]();
          return { stream, first: await stream.next() };
        },
      );
      try {
        for (let next = value.first; !next.done; next = await value.stream.next()) yield next.value;
      } catch (error) {
        if (!o?.signal?.aborted && isTransient(error)) failed(host, error, request.model);
        throw error;
      } finally {
        host.inFlight--;
        await value.stream.return?.(undefined);
      }
    },

    async *pull(model, o) {
      for (const h of hosts) yield* h.client.pull(model, o);
    },

    state: () => hosts.map(stateOf),

    probe: () =>
      Promise.all(
        hosts.map(async (h) => {
          const version = await ollamaReachable(h.client);
          return { ...stateOf(h), reachable: version !== null, version };
        }),
      ),
  };
}

function stateOf(h: Host): HostState {
  return {
    host: h.client.host,
    inFlight: h.inFlight,
    restingMs: Math.max(0, h.restUntil - Date.now()),
    lastError: h.lastError,
  };
}
