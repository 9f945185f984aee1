import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";
import { DEFAULT_OLLAMA_HOST, parseOllamaHost, parseOllamaHosts } from "../src/ollama/host.js";
import { cli } from "./helpers/app.js";

/** OLLAMA_HOST as a list: each entry parsed as Ollama parses one (test/ollama-host.test.ts has those cases). */
describe("parseOllamaHosts", () => {
  it.each([
    undefined,
    "",
    '""',
    ":1234",
    "example.com",
    ' "example.com:8080" ',
    "https://example.com/ollama/",
    "[::1]:1234",
    "fe80::1",
    "0.0.0.0",
  ])("reads a value without a comma as the one host parseOllamaHost reads: %j", (raw) => {
    expect(parseOllamaHosts(raw)).toEqual([parseOllamaHost(raw)]);
  });

  it.each([
    ["a:1,b:2", ["http://a:1", "http://b:2"]],
    ["a:1, b:2", ["http://a:1", "http://b:2"]],
    ["  a:1 ,\tb:2  ", ["http://a:1", "http://b:2"]],
    ['"a:1, b:2"', ["http://a:1", "http://b:2"]],
    ["'a:1', 'b:2'", ["http://a:1", "http://b:2"]],
    ['"a:1","b:2"', ["http://a:1", "http://b:2"]],
    [":11435,https://gpu.example/ollama", ["http://127.0.0.1:11435", "https://gpu.example:443/ollama"]],
    [
      "[::1]:1234, fe80::1, [2001:db8::2]",
      ["http://[::1]:1234", "http://[fe80::1]:11434", "http://[2001:db8::2]:11434"],
    ],
    ["0.0.0.0:1, ::", ["http://127.0.0.1:1", "http://[::1]:11434"]],
  ])("parses each entry of %j as Ollama parses one host", (raw, expected) => {
    expect(parseOllamaHosts(raw)).toEqual(expected);
  });

  it("keeps a host named twice once (two spellings of one address too), in the order first named", () => {
    expect(parseOllamaHosts("b:2, a:1, b:2")).toEqual(["http://b:2", "http://a:1"]);
    expect(parseOllamaHosts(":11434, 127.0.0.1, gpu")).toEqual([
      "http://127.0.0.1:11434",
      "http://gpu:11434",
    ]);
  });

  it.each([
    ["a:1,,b:2", "entry 2 of 3"],
    ["a:1,", "entry 2 of 2"],
    [",a:1", "entry 1 of 2"],
    ['a:1, "", b:2', "entry 2 of 3"],
    [" , ", "entry 1 of 2"],
  ])("refuses an empty entry in %j, saying which and how to write a list", (raw, which) => {
    const error = (() => {
      try {
        parseOllamaHosts(raw);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `OLLAMA_HOST=${raw} has an empty entry (${which}). List the Ollama hosts separated by single commas, e.g. OLLAMA_HOST=gpu1:11434,gpu2:11434.`,
    );
  });
});

describe("the hosts in the config", () => {
  it("one host: ollamaHost as before, and a list of one", () => {
    const config = loadConfig({ OLLAMA_HOST: "gpu:4321" });
    expect(config.ollamaHost).toBe("http://gpu:4321");
    expect(config.ollamaHosts).toEqual(["http://gpu:4321"]);
    expect(loadConfig({}).ollamaHosts).toEqual([DEFAULT_OLLAMA_HOST]);
  });

  it("several: every host in order, the first as ollamaHost, frozen", () => {
    const config = loadConfig({ OLLAMA_HOST: "a:1, b:2" });
    expect(config.ollamaHosts).toEqual(["http://a:1", "http://b:2"]);
    expect(config.ollamaHost).toBe("http://a:1");
    expect(Object.isFrozen(config.ollamaHosts)).toBe(true);
  });

  it("--ollama-host replaces OLLAMA_HOST, even one that would be refused, and is named in its own errors", () => {
    const config = loadConfig({ OLLAMA_HOST: "a:1,,b:2" }, { ollamaHost: "c:3,d:4" });
    expect(config.ollamaHosts).toEqual(["http://c:3", "http://d:4"]);
    expect(config.ollamaHost).toBe("http://c:3");
    expect(() => loadConfig({}, { ollamaHost: "c:3," })).toThrow(/^--ollama-host=c:3, has an empty entry/);
  });

  it("a refused list stops a command with exit code 2 and the message, before anything is opened", async () => {
    const r = await cli(["status"], { OLLAMA_HOST: "a:1,,b:2", GROUNDED_DB: "/nonexistent/dir/x.db" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("OLLAMA_HOST=a:1,,b:2 has an empty entry (entry 2 of 3)");
    expect(r.stdout).toBe("");
  });
});
