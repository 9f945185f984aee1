import type { Answerer, AskEvent, AskRequest, AskResult } from "../../answer/answerer.js";

/** What a compatible API streams: pieces of the answer's text, then the final result. */
type CompatEvent = { type: "text"; text: string } | { type: "done"; result: AskResult };

export interface CompatRun {
  /** Every event once, in order (the ones read ahead included); throws what the answerer throws. */
  events(): AsyncGenerator<CompatEvent, void, undefined>;
  /** Read to the end: the result and how many pieces of text the model produced. */
  collect(): Promise<{ result: AskResult; pieces: number }>;
  /** Stop the answer (the client went away); cancels the request to the model. */
  abort(reason?: unknown): void;
}

function toCompatEvent(e: AskEvent): CompatEvent | null {
  if (e.type === "delta") return { type: "text", text: e.content };
  if (e.type === "done") {
    const { type: _type, ...result } = e;
    return { type: "done", result };
  }
  return null;
}

/**
 * Start answering and read ahead to the first piece of text. Ollama's and OpenAI's clients expect an error
 * before any output (a missing model, a full queue) as an HTTP error status, not as a broken stream, so
 * everything that can fail early fails here, before the response starts.
 */
export async function startAnswer(
  answerer: Answerer,
  request: AskRequest,
  clientSignal: AbortSignal,
): Promise<CompatRun> {
  const controller = new AbortController();
  const onClientGone = () => controller.abort(clientSignal.reason);
  clientSignal.addEventListener("abort", onClientGone, { once: true });
  const detach = () => clientSignal.removeEventListener("abort", onClientGone);
  const source = answerer.ask(request, controller.signal);

  const ahead: CompatEvent[] = [];
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) break;
      const event = toCompatEvent(next.value);
      if (event) {
        ahead.push(event);
        break;
      }
    }
  } catch (err) {
    detach();
    throw err;
  }

  async function* events(): AsyncGenerator<CompatEvent, void, undefined> {
    try {
      yield* ahead.splice(0);
      for await (const e of source) {
        const event = toCompatEvent(e);
        if (event) yield event;
      }
    } finally {
      detach();
      await source.return(undefined).catch(() => {});
    }
  }

  return {
    events,
    async collect() {
      let pieces = 0;
      for await (const e of events()) {
        if (e.type === "text") pieces++;
        else return { result: e.result, pieces };
      }
      throw new Error("the answer ended without a result");
    },
    abort: (reason) => controller.abort(reason),
  };
}
