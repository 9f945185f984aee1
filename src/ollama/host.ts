/**
 * Parse OLLAMA_HOST the way Ollama's own client does (envconfig.Host in ollama/ollama):
 * trim spaces and quotes; no scheme means http; no port means 11434 when no scheme was given, else the
 * scheme's default (80/443); a path is kept; ":1234" means 127.0.0.1:1234; IPv6 with or without brackets;
 * bind-all addresses (0.0.0.0, ::) mean loopback when connecting. Returns a base URL without trailing slash.
 */
export const DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434";

export function parseOllamaHost(raw: string | undefined): string {
  let s = (raw ?? "")
    .trim()
    .replace(/^["']+|["']+$/g, "")
    .trim();
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
