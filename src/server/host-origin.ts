import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import os from "node:os";
import type { Context, MiddlewareHandler } from "hono";
import type { Config } from "../config.js";
import { ForbiddenHostError, ForbiddenOriginError } from "../errors.js";

/**
 * Two checks that keep web pages away from the user's documents (docs/security.md):
 *
 * - Host: a page on evil.example can point its own name at 127.0.0.1 (DNS rebinding) and then talk to
 *   grounded "same-origin"; its requests still say `Host: evil.example`. So only Hosts that name an address
 *   the server listens on (with its port), or that GROUNDED_ALLOWED_HOSTS adds, get an answer.
 * - Origin: a browser names the page behind every cross-origin request, and behind every POST or DELETE.
 *   A request with an Origin that is neither this server's own nor in GROUNDED_CORS_ORIGIN is refused on
 *   every route, so a form post, a text/plain fetch or a sandboxed (`null`) page can neither write nor read.
 *
 * Clients that are not browsers (curl, the Ollama and OpenAI libraries) send no Origin and pass. A request
 * without a Host header cannot come from a browser either (HTTP/1.0, or `app.request` in tests) and passes.
 */

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];
const WILDCARD_ADDRESSES = new Set(["0.0.0.0", "[::]", "[0:0:0:0:0:0:0:0]"]);
const HOST_VALUE = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i;
const MAX_ECHO = 120;

interface HostValue {
  /** Lower case, IPv6 in brackets, no trailing dot. */
  name: string;
  port: number | undefined;
}

function parseHost(value: string): HostValue | undefined {
  const m = HOST_VALUE.exec(value.trim());
  if (!m?.[1]) return undefined;
  return { name: m[1].toLowerCase().replace(/\.$/, ""), port: m[2] === undefined ? undefined : Number(m[2]) };
}

/** `::1` → `[::1]`, as it appears in a Host header. */
function asHostName(address: string): string {
  const a = address.trim().toLowerCase();
  return isIP(a) === 6 ? `[${a}]` : a;
}

function isIpLiteral(name: string): boolean {
  return isIP(name.replace(/^\[(.*)\]$/, "$1")) !== 0;
}

/** The names a machine answers to on its network: its host name, the name's first label, and `<label>.local`. */
function machineNames(): string[] {
  const full = os.hostname().toLowerCase();
  const label = full.split(".")[0] ?? full;
  return [full, label, `${label}.local`];
}

/** The origins GROUNDED_CORS_ORIGIN lists, exactly as the CORS middleware compares them. */
export function corsOrigins(config: Config): string[] {
  return (config.corsOrigin ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** The port this request arrived on: the socket's, so a server started on port 0 checks its real port. */
function listeningPort(c: Context, fallback: number): number {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.localPort ?? fallback;
}

function echo(value: string): string {
  return value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
}

export function hostOriginGuard(config: Config): MiddlewareHandler {
  const bound = asHostName(config.host);
  // Bound to every interface, the server is reached by whatever address or name the machine has.
  const wildcard = WILDCARD_ADDRESSES.has(bound);
  const ownNames = new Set([...LOOPBACK_NAMES, bound, ...(wildcard ? machineNames() : [])]);
  const extra = config.allowedHosts.filter((h) => h !== "*").flatMap((h) => parseHost(h) ?? []);
  const anyHost = config.allowedHosts.includes("*");
  // Sandboxed frames, file: pages and redirects all send `null`: it names no one, so it is never allowed.
  const allowedOrigins = new Set(corsOrigins(config).filter((o) => o !== "null"));

  function hostAllowed(host: HostValue, port: number): boolean {
    if (anyHost) return true;
    // A listed name without a port accepts any port: a proxy's or a tunnel's public port is not ours.
    if (extra.some((e) => e.name === host.name && (e.port === undefined || e.port === host.port)))
      return true;
    if ((host.port ?? 80) !== port) return false;
    // An address typed as an IP cannot have been rebound: the browser connected to exactly that address.
    return ownNames.has(host.name) || (wildcard && isIpLiteral(host.name));
  }

  function sameOrigin(origin: string, host: string): boolean {
    try {
      const o = new URL(origin);
      if (o.protocol !== "http:" && o.protocol !== "https:") return false;
      return new URL(`${o.protocol}//${host}`).host === o.host;
    } catch {
      return false;
    }
  }

  return async (c, next) => {
    const hostHeader = c.req.header("host");
    if (hostHeader !== undefined) {
      const host = parseHost(hostHeader);
      if (!host || !hostAllowed(host, listeningPort(c, config.port)))
        throw new ForbiddenHostError(echo(hostHeader));
    }
    const origin = c.req.header("origin");
    if (
      origin !== undefined &&
      !allowedOrigins.has(origin) &&
      !sameOrigin(origin, hostHeader ?? new URL(c.req.url).host)
    ) {
      throw new ForbiddenOriginError(echo(origin));
    }
    await next();
  };
}
