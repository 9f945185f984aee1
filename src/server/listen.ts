import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { Config } from "../config.js";
import { ConfigError } from "../errors.js";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Refuses a non-loopback address without an API key unless told otherwise; `serve` asks before it opens anything. */
export function assertAddressAllowed(config: Config): void {
  if (!LOOPBACK.test(config.host) && !config.apiKey && !config.allowInsecure) {
    throw new ConfigError(
      `Refusing to listen on ${config.host} without an API key: anyone on your network could read your documents. ` +
        "Set GROUNDED_API_KEY (clients then send `Authorization: Bearer <key>`), or set GROUNDED_ALLOW_INSECURE=1 if you really mean it.",
    );
  }
}

/** Start the HTTP server (after `assertAddressAllowed`). */
export function listen(app: Hono, config: Config): Promise<Listening> {
  assertAddressAllowed(config);
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, hostname: config.host, port: config.port },
      (info: AddressInfo) => {
        const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        });
      },
    );
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new ConfigError(
              `Port ${config.port} on ${config.host} is already in use. Stop the other program or choose another with --port / GROUNDED_PORT.`,
              e,
            )
          : e,
      ),
    );
  });
}
