import { describe, expect, it } from "vitest";
import { DEFAULT_OLLAMA_HOST, parseOllamaHost } from "../src/ollama/host.js";

/** The cases of docs/ollama.md's OLLAMA_HOST section, which follows envconfig.Host in ollama/ollama. */
describe("parseOllamaHost", () => {
  it.each([
    [undefined, DEFAULT_OLLAMA_HOST],
    ["", DEFAULT_OLLAMA_HOST],
    ["   ", DEFAULT_OLLAMA_HOST],
    ['""', DEFAULT_OLLAMA_HOST],
  ])("falls back to the default for %j", (raw, expected) => {
    expect(parseOllamaHost(raw)).toBe(expected);
  });

  it("uses http://127.0.0.1:11434 as the default", () => {
    expect(DEFAULT_OLLAMA_HOST).toBe("http://127.0.0.1:11434");
  });

  it.each([
    [' "example.com:8080" ', "http://example.com:8080"],
    ["'example.com'", "http://example.com:11434"],
    ["  10.0.0.5  ", "http://10.0.0.5:11434"],
  ])("trims spaces and quotes: %j", (raw, expected) => {
    expect(parseOllamaHost(raw)).toBe(expected);
  });

  it.each([
    ["example.com", "http://example.com:11434"],
    ["example.com:4321", "http://example.com:4321"],
    ["http://example.com", "http://example.com:80"],
    ["https://example.com", "https://example.com:443"],
    ["http://example.com:11434", "http://example.com:11434"],
    ["https://example.com:8443", "https://example.com:8443"],
  ])("applies the scheme's default port: %j", (raw, expected) => {
    expect(parseOllamaHost(raw)).toBe(expected);
  });

  it.each([
    ["https://example.com/ollama", "https://example.com:443/ollama"],
    ["example.com:8080/ollama/", "http://example.com:8080/ollama"],
    ["http://example.com/", "http://example.com:80"],
  ])("keeps a path (without a trailing slash): %j", (raw, expected) => {
    expect(parseOllamaHost(raw)).toBe(expected);
  });

  it.each([
    [":1234", "http://127.0.0.1:1234"],
    ["0.0.0.0", "http://127.0.0.1:11434"],
    ["0.0.0.0:8080", "http://127.0.0.1:8080"],
    ["http://0.0.0.0:8080", "http://127.0.0.1:8080"],
    ["::", "http://[::1]:11434"],
    ["[::]:11434", "http://[::1]:11434"],
  ])("connects to loopback for an empty or bind-all host: %j", (raw, expected) => {
    expect(parseOllamaHost(raw)).toBe(expected);
  });

  it.each([
    ["[::1]:1234", "http://[::1]:1234"],
    ["[::1]", "http://[::1]:11434"],
    ["::1", "http://[::1]:11434"],
    ["fe80::1", "http://[fe80::1]:11434"],
    ["https://[2001:db8::1]", "https://[2001:db8::1]:443"],
  ])("accepts IPv6 with or without brackets: %j", (raw, expected) => {
    expect(parseOllamaHost(raw)).toBe(expected);
  });

  it("falls back to the default port when the port is not a number", () => {
    expect(parseOllamaHost("example.com:abc")).toBe("http://example.com:11434");
  });

  it("falls back to the default port when the port is out of range, and keeps 11434 for other schemes", () => {
    expect(parseOllamaHost("example.com:99999")).toBe("http://example.com:11434");
    expect(parseOllamaHost("ftp://example.com")).toBe("ftp://example.com:11434");
  });
});
