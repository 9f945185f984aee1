import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { cli } from "./helpers/app.js";
import { type OllamaStandIn, startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

describe("grounded pull: fetch the configured models that are missing", () => {
  let ollama: OllamaStandIn;
  beforeEach(async () => {
    ollama = await startOllamaStandIn({ models: [{ name: "bge-m3", kind: "embedding", dims: 1024 }] });
  });
  afterEach(async () => {
    await ollama?.close();
  });
  const pulls = () => ollama.requestsTo("/api/pull").map((r) => (r.body as { model: string }).model);

  it("pulls only the missing chat model, with plain progress lines on a pipe", async () => {
    const r = await cli(["pull"], { OLLAMA_HOST: ollama.url, GROUNDED_CHAT_MODEL: "llama3.2" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(pulls()).toEqual(["llama3.2"]);
    expect(ollama.models.has("llama3.2:latest")).toBe(true);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("Pulling llama3.2");
    expect(lines).toContain("  pulling manifest");
    expect(lines.filter((l) => /^ {2}[0-9a-f]{12} 0% of 9\.6 GB$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^ {2}[0-9a-f]{12} 100% of 9\.6 GB$/.test(l))).toHaveLength(1);
    expect(lines).toContain("  success");
    expect(r.stdout).not.toContain("\r");
    expect(r.stdout).toContain("bge-m3 is already in Ollama");
    expect(r.stdout).toContain("Pulled llama3.2.");
  });

  it("draws a bar redrawn in place on a terminal", async () => {
    let text = "";
    const tty = {
      write: (t: string) => {
        text += t;
      },
      isTTY: true,
    };
    const code = await main(["pull", "--chat-model", "qwen3"], { OLLAMA_HOST: ollama.url }, tty, tty);
    expect(code).toBe(0);
    expect(text).toContain("\r\x1b[2K");
    expect(text).toMatch(/ {2}[0-9a-f]{12} {2}50% ▕█{12} {12}▏ 4\.8 GB \/ 9\.6 GB/);
    expect(text).toMatch(/100% ▕█{24}▏ 9\.6 GB \/ 9\.6 GB\n/);
  });

  it("pulls nothing when everything is there", async () => {
    const r = await cli(["pull", "--chat-model", "none"], { OLLAMA_HOST: ollama.url });
    expect(r.code).toBe(0);
    expect(pulls()).toEqual([]);
    expect(r.stdout).toBe(`bge-m3 is already in Ollama at ${ollama.url}\n`);
  });

  it("an unknown model fails with words that say what to do", async () => {
    const r = await cli(["pull"], { OLLAMA_HOST: ollama.url, GROUNDED_CHAT_MODEL: "no-such-model" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Could not pull "no-such-model"');
    expect(r.stderr).toContain("file does not exist");
    expect(r.stderr).toContain("--chat-model");
  });

  it("says so when Ollama is not running", async () => {
    await ollama.close();
    const r = await cli(["pull"], { OLLAMA_HOST: ollama.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot reach Ollama at ${ollama.url}`);
  });
});
