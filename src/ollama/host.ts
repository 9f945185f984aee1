import { ConfigError } from "../errors.js";

/**
 * Parse OLLAMA_HOST the way Ollama's own client does (envconfig.Host in ollama/ollama):
 * trim spaces and quotes; no scheme means http; no port means 11434 when no scheme was given, else the
 * scheme's default (80/443); a path is kept; ":1234" means 127.0.0.1:1234; IPv6 with or without brackets;
 * bind-all addresses (0.0.0.0, ::) mean loopback when connecting. Returns a base URL without trailing slash.
 */
export const DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434";

/** Spaces and quotes around a value (a shell or a .env file may leave them) are not part of it. */
const unquote = (raw: string) =>
  raw
    .trim()
    .replace(/^["']+|["']+$/g, "")
    .trim();

export function parseOllamaHost(raw: string | undefined): string {
  let s = unquote(raw ?? "");
  if (s === "") return DEFAULT_OLLAMA_HOST;

  let scheme = "http";
  let defaultPort = "11434";
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(s);
  if (m) {
    scheme = (m[1] ?? "http").toLowerCase();
    s = s.slice(m[0].length);
    if (scheme === "https") defaultPort = "443";
    else if (scheme === "http") defaultPort = "80";
  }

  const slash = s.indexOf("/");
  const hostport = slash === -1 ? s : s.slice(0, slash);
  const path = slash === -1 ? "" : s.slice(slash).replace(/\/+$/, "");

  let host: string;
  let port: string;
  if (hostport.startsWith("[")) {
    const end = hostport.indexOf("]");
    host = hostport.slice(1, end === -1 ? undefined : end);
    const rest = end === -1 ? "" : hostport.slice(end + 1);
    port = rest.startsWith(":") ? rest.slice(1) : "";
  } else if ((hostport.match(/:/g) ?? []).length > 1) {
    // Bare IPv6 without brackets: the whole thing is the address.
    host = hostport;
    port = "";
  } else {
    const colon = hostport.lastIndexOf(":");
    host = colon === -1 ? hostport : hostport.slice(0, colon);
    port = colon === -1 ? "" : hostport.slice(colon + 1);
  }

  if (host === "" || host === "0.0.0.0") host = "127.0.0.1";
  if (host === "::") host = "::1";
  if (port === "" || !/^\d+$/.test(port) || Number(port) > 65535) port = defaultPort;

  const hostPart = host.includes(":") ? `[${host}]` : host;
  return `${scheme}://${hostPart}:${port}${path}`;
}

/**
 * OLLAMA_HOST as a comma-separated list of hosts, each entry parsed as Ollama parses one (parseOllamaHost).
 * A value without a comma is one host, exactly as before. An empty entry (`a,,b`, a trailing comma) is
 * refused rather than read as the default host, which would quietly add a machine nobody named; a host
 * named twice is kept once. `name` is what error messages call the setting.
 */
export function parseOllamaHosts(raw: string | undefined, name = "OLLAMA_HOST"): string[] {
  if (raw === undefined || !raw.includes(",")) return [parseOllamaHost(raw)];
  const entries = raw.split(",");
  const hosts = entries.map((entry, i) => {
    if (unquote(entry) === "") {
      throw new ConfigError(
        `${name}=${raw} has an empty entry (entry ${i + 1} of ${entries.length}). List the Ollama hosts separated by single commas, e.g. ${name}=gpu1:11434,gpu2:11434.`,
      );
    }
    return parseOllamaHost(entry);
  });
  return [...new Set(hosts)];
}
