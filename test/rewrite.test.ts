import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REWRITE_INSTRUCTION, standaloneFrom } from "../src/answer/standalone-question.js";
import { postJson, type RunningService, readNdjson, startService } from "./helpers/app.js";
import { type IndexedService, startIndexedService } from "./helpers/indexed-service.js";
import type { ReplyMessage } from "./stand-in/stand-in-reply.js";

/**
 * Follow-ups rewritten into a standalone question by the chat model (src/answer/standalone-question.ts),
 * against the real service on a real port and the stand-in Ollama. The stand-in cannot rewrite: each test
 * tells its chat model what to reply to a rewrite request, and the replies are chosen so that the search
 * result shows whether the rewrite was used.
 */

const KETTLE = [
  { role: "user", content: "How often should the kettle be descaled?" },
  { role: "assistant", content: "Descale the kettle every four weeks with citric acid. [1]" },
];
const FOLLOW_UP = "What does it need?";
const PRINTER = "What toner does the office printer need?";

const isRewrite = (messages: ReplyMessage[]) => messages[0]?.content === REWRITE_INSTRUCTION;
/** The stand-in's chat model answers rewrite requests with `text` and questions from sources as usual. */
const rewriteWith = (text: string) => (messages: ReplyMessage[]) => (isRewrite(messages) ? text : undefined);

describe("a follow-up rewritten into a standalone question by the chat model", () => {
  let service: IndexedService;
  const logged: string[] = [];
  beforeAll(async () => {
    service = await startIndexedService({
      env: { GROUNDED_REWRITE_TIMEOUT_MS: "1500", GROUNDED_CHAT_CONCURRENCY: "1" },
      log: (m) => logged.push(m),
    });
  }, 60_000);
  afterAll(() => service?.close());

  const chats = () => service.ollama.requestsTo("/api/chat").map((r) => r.body as Record<string, any>);
  const search = (body: Record<string, unknown>) => postJson(`${service.url}/api/search`, { k: 3, ...body });

  it("asks the chat model with the conversation and the follow-up, and searches for its rewrite", async () => {
    service.ollama.reset();
    const folded = await search({ query: FOLLOW_UP, history: KETTLE, k: 1 });
    service.ollama.reset();
    service.ollama.reply = rewriteWith(PRINTER);
    const r = await search({ query: FOLLOW_UP, history: KETTLE, k: 1 });
    expect(r.status).toBe(200);
    const [rewrite] = chats();
    expect(chats()).toHaveLength(1);
    expect(rewrite).toMatchObject({ model: "gemma4:e4b", think: false, stream: true });
    expect(rewrite?.options).toMatchObject({ num_ctx: 4096, temperature: 0 });
    expect(rewrite?.options.num_predict).toBeGreaterThan(64);
    expect(rewrite?.messages).toEqual([
      { role: "system", content: REWRITE_INSTRUCTION },
      {
        role: "user",
        content: `Conversation:\nUser: ${KETTLE[0]?.content}\nAssistant: Descale the kettle every four weeks with citric acid.\n\nQuestion: ${FOLLOW_UP}`,
      },
    ]);
    // The same follow-up and history found the kettle without the rewrite, the printer's notes with it.
    expect(folded.json.results[0].source).toBe("manuals/kettle.md");
    expect(folded.json.searchedFor).toBeNull();
    expect(r.json.searchedFor).toBe(PRINTER);
    expect(r.json.results[0].source).toBe("notes.txt");
  });

  it("/api/ask reports the rewrite and still asks the model the user's own question", async () => {
    service.ollama.reset();
    service.ollama.reply = rewriteWith(PRINTER);
    const res = await fetch(`${service.url}/api/ask`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: FOLLOW_UP, history: KETTLE, stream: true }),
    });
    const events = await readNdjson(res);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: "done", searchedFor: PRINTER });
    expect(done?.sources[0].source).toBe("notes.txt");
    const [rewrite, answer] = chats();
    expect(rewrite?.messages[0].content).toBe(REWRITE_INSTRUCTION);
    // The answer's prompt: the history as turns, the follow-up as the user wrote it.
    expect(answer?.messages.map((m: ReplyMessage) => m.role)).toEqual([
      "system",
      "user",
      "assistant",
      "user",
    ]);
    expect(answer?.messages[3].content.trimEnd()).toMatch(/Question: What does it need\?$/);
    expect(answer?.messages[3].content).not.toContain(PRINTER);
    // The rewrite sent the num_ctx the answer had used, so Ollama never reloads the model between them.
    service.ollama.reset();
    service.ollama.reply = rewriteWith(PRINTER);
    await postJson(`${service.url}/api/ask`, { question: FOLLOW_UP, history: KETTLE });
    expect(chats()[0]?.options.num_ctx).toBe(answer?.options.num_ctx);
  });

  it("asks for no rewrite without history, and reports none when the model returns the question unchanged", async () => {
    service.ollama.reset();
    service.ollama.reply = rewriteWith(PRINTER);
    const r = await search({ query: "What toner does the printer need?" });
    expect(r.json.searchedFor).toBeNull();
    expect(chats()).toHaveLength(0);
    const asked = await postJson(`${service.url}/api/ask`, { question: "How long does the warranty last?" });
    expect(asked.json.searchedFor).toBeNull();
    expect(chats()).toHaveLength(1);
    expect(chats()[0]?.messages[0].content).not.toBe(REWRITE_INSTRUCTION);

    service.ollama.reset();
    service.ollama.reply = rewriteWith(FOLLOW_UP);
    const same = await search({ query: FOLLOW_UP, history: KETTLE });
    expect(chats()).toHaveLength(1);
    expect(same.json.searchedFor).toBeNull();
  });

  it("an output that is not a standalone question is discarded: the search is the folded one", async () => {
    service.ollama.reset();
    const folded = await postJson(`${service.url}/api/search`, { query: FOLLOW_UP, history: KETTLE });
    for (const reply of [
      "I don't know.", // the stand-in's own reply to a prompt without sources
      "Citric acid. [1]",
      `${PRINTER}\nIt needs toner model TX-500.`,
      "Which toner?",
    ]) {
      service.ollama.reset();
      service.ollama.reply = rewriteWith(reply);
      const r = await postJson(`${service.url}/api/search`, { query: FOLLOW_UP, history: KETTLE });
      expect(chats(), reply).toHaveLength(1);
      expect(r.json.searchedFor, reply).toBeNull();
      expect(r.json.results, reply).toEqual(folded.json.results);
    }
    const told = logged.filter((m) => m.includes("a rewrite request"));
    expect(told).toHaveLength(1); // once per kind, not once per request
    expect(told[0]).toMatch(
      /answered a rewrite request with a refusal.*folded in instead.*GROUNDED_REWRITE=off/,
    );
  });

  it("a missing chat model or an Ollama error falls back to the folded search", async () => {
    service.ollama.reset();
    const folded = await search({ query: FOLLOW_UP, history: KETTLE });
    service.ollama.reply = rewriteWith(PRINTER);
    service.ollama.failNext({ path: "/api/chat", status: 500, error: "llama runner process has terminated" });
    const failed = await search({ query: FOLLOW_UP, history: KETTLE });
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({ searchedFor: null, results: folded.json.results });
    expect(logged.filter((m) => m.includes("asking gemma4:e4b for a rewrite failed"))).toHaveLength(1);

    expect(service.ollama.models.delete("gemma4:e4b")).toBe(true);
    const missing = await search({ query: FOLLOW_UP, history: KETTLE });
    expect(missing.status).toBe(200);
    expect(missing.json).toMatchObject({ searchedFor: null, results: folded.json.results });
    expect(service.ollama.requestsTo("/api/chat").length).toBeGreaterThan(1);
    // Said once: the 404 is the same kind of fault as the 500 before it.
    expect(logged.filter((m) => m.includes("for a rewrite failed"))).toHaveLength(1);
    service.ollama.reset();
  });

  it("a model slower than GROUNDED_REWRITE_TIMEOUT_MS is given up on: the folded search answers", async () => {
    service.ollama.reset();
    const folded = await search({ query: FOLLOW_UP, history: KETTLE });
    service.ollama.reply = rewriteWith(PRINTER);
    // Far longer than the test's own time limit: only the rewrite's timeout can end this search.
    service.ollama.chatDelayMs = 60_000;
    for (let i = 0; i < 2; i++) {
      const r = await search({ query: FOLLOW_UP, history: KETTLE });
      expect(r.json).toMatchObject({ searchedFor: null, results: folded.json.results });
    }
    await waitFor(() => service.ollama.abandoned.filter((a) => a.path === "/api/chat").length === 2);
    const told = logged.filter((m) => m.includes("GROUNDED_REWRITE_TIMEOUT_MS"));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/gemma4:e4b did not rewrite one within 1500 ms/);
    service.ollama.reset();
  }, 20_000);

  it("takes a chat slot like an answer: a rewrite waits for a busy model, and gives up on it in time", async () => {
    service.ollama.reset();
    service.ollama.reply = rewriteWith(PRINTER);
    // An answer holds the one chat slot (GROUNDED_CHAT_CONCURRENCY=1) while its client reads the sources.
    const answer = service.runtime.answerer.ask({
      question: "How long does the warranty last?",
      k: 3,
      history: [],
    });
    expect((await answer.next()).value?.type).toBe("sources");
    await waitFor(() => chats().length === 1);
    const r = await search({ query: FOLLOW_UP, history: KETTLE });
    expect(r.json.searchedFor).toBeNull();
    expect(chats()).toHaveLength(1); // the rewrite never reached the model
    expect(logged.filter((m) => m.includes("waited 1500 ms for the chat model"))).toHaveLength(1);
    await answer.return(undefined);
    // The slot is free again: the next follow-up is rewritten.
    const after = await search({ query: FOLLOW_UP, history: KETTLE });
    expect(after.json.searchedFor).toBe(PRINTER);
  }, 20_000);

  it("an answer waits while a rewrite holds the slot", async () => {
    service.ollama.reset();
    let rewriteAnswered = 0;
    service.ollama.reply = (messages) => {
      if (!isRewrite(messages)) return undefined;
      rewriteAnswered = Date.now();
      return PRINTER;
    };
    service.ollama.chatDelayMs = 300;
    const [searched] = await Promise.all([
      search({ query: FOLLOW_UP, history: KETTLE }),
      // Sent just after the search, so its rewrite has the slot first.
      new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
        postJson(`${service.url}/api/ask`, { question: "How long does the warranty last?" }),
      ),
    ]);
    expect(searched.json.searchedFor).toBe(PRINTER);
    const [rewrite, answer] = service.ollama.requestsTo("/api/chat");
    expect((rewrite?.body as Record<string, any> | undefined)?.messages[0].content).toBe(REWRITE_INSTRUCTION);
    expect(answer?.at).toBeGreaterThanOrEqual(rewriteAnswered);
    service.ollama.reset();
  });

  it("asks nothing with GROUNDED_REWRITE=off or without a chat model", async () => {
    for (const env of [{ GROUNDED_REWRITE: "off" }, { GROUNDED_CHAT_MODEL: "none" }]) {
      let other: RunningService | undefined;
      try {
        other = await startService({ ...service.env, ...env });
        service.ollama.reset();
        service.ollama.reply = rewriteWith(PRINTER);
        const r = await postJson(`${other.url}/api/search`, { query: FOLLOW_UP, history: KETTLE, k: 1 });
        expect(r.json.searchedFor).toBeNull();
        expect(r.json.results[0].source).toBe("manuals/kettle.md");
        expect(chats()).toHaveLength(0);
      } finally {
        await other?.close();
      }
    }
  }, 30_000);
});

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done()).toBe(true);
}

describe("what counts as a standalone question (standaloneFrom)", () => {
  const follow = "And what happens if I do not?";
  it("takes off a label and wrapping quotes, and keeps the question's language", () => {
    expect(
      standaloneFrom('Standalone question: "What happens if I do not descale the kettle?"', follow),
    ).toEqual({ question: "What happens if I do not descale the kettle?" });
    expect(standaloneFrom("「網球比賽中誰擁有最終仲裁權？」", "誰在它比賽中擁有最終仲裁權？")).toEqual({
      question: "網球比賽中誰擁有最終仲裁權？",
    });
  });

  it("rejects what is not a rewrite of the question", () => {
    const rejected = (output: string, question = follow) =>
      (standaloneFrom(output, question) as { rejected?: string }).rejected;
    expect(rejected("  ")).toBe("empty");
    expect(rejected("What happens if I do not descale?\nThe light turns orange.")).toBe("several lines");
    expect(rejected(`What happens if I do not descale ${"the kettle ".repeat(30)}?`)).toBe("too long");
    expect(rejected("I'm sorry, I cannot rewrite that question.")).toBe("a refusal");
    expect(rejected("抱歉，我無法回答。", "它在哪裡？")).toBe("a refusal");
    expect(rejected("The descale light turns orange. [1]")).toBe("an answer");
    expect(rejected("The descale light turns orange after 100 boils.")).toBe("an answer");
    expect(rejected("如果不除垢會發生什麼？")).toBe("not a rewrite"); // translated
    expect(rejected("How long is the warranty?")).toBe("not a rewrite"); // another question
  });
});
