import fs from "node:fs";
import path from "node:path";
import { main } from "../../cli/main.js";
import type { Output } from "../../cli/progress.js";
import { createServerWriter } from "../../cli/server-writer.js";
import type { ThreadedWriter } from "../../ingest/threaded-writer.js";
import { type Config, loadConfig } from "../../src/config.js";
import { createApp } from "../../src/server/app.js";
import { type Listening, listen } from "../../src/server/listen.js";
import { createService, type Service } from "../../src/service/service.js";

function capture(): Output & { text: () => string } {
  let buf = "";
  return {
    write: (t) => {
      buf += t;
    },
    isTTY: false,
    text: () => buf,
  };
}

/** Run the CLI in-process, as a user would from a terminal, and collect what it prints. */
export async function cli(argv: string[], env: Record<string, string | undefined>) {
  const out = capture();
  const err = capture();
  const code = await main(argv, env, out, err);
  return { code, stdout: out.text(), stderr: err.text() };
}

export interface RunningService {
  url: string;
  runtime: Service;
  config: Config;
  /** The index writer behind uploads (its thread), as `grounded serve` has it. */
  writer: ThreadedWriter;
  close(): Promise<void>;
}

/** The real service on a real port, wired exactly as `grounded serve` wires it. */
export async function startService(
  env: Record<string, string | undefined>,
  log?: (message: string) => void,
): Promise<RunningService> {
  const config = loadConfig({ GROUNDED_PORT: "0", ...env });
  const runtime = await createService(config, log, { searchWorkers: true });
  const { uploads, writer } = createServerWriter(runtime);
  const app = createApp({ ...runtime, version: "test", uploads });
  const server: Listening = await listen(app, config);
  return {
    url: server.url,
    runtime,
    config,
    writer,
    close: async () => {
      await server.close();
      await writer.close();
      await runtime.close();
    },
  };
}

/** Copy the sample documents into a fresh folder so tests can change them. */
export function copySamples(dest: string): string {
  const src = path.join(import.meta.dirname, "..", "..", "data", "samples");
  fs.cpSync(src, dest, { recursive: true });
  return dest;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
}

export async function readNdjson(res: Response): Promise<Array<Record<string, any>>> {
  const text = await res.text();
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}
