import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, copySamples } from "../helpers/app.js";
import { type ChildResult, spawnCli } from "../helpers/child-ingest.js";
import { tempDir } from "../helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

/** The real CLI in a child process; fails (and kills it) if it has not exited within `ms`. */
async function exitsWithin(args: string[], env: Record<string, string>, ms: number) {
  const started = Date.now();
  const child = spawnCli(args, env);
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), ms);
  const result: ChildResult = await child.exited;
  clearTimeout(timer);
  return { ...result, ms: Date.now() - started };
}

/**
 * A server that cannot start says why and exits with the documented code, so a script or a service manager
 * sees the failure. Before, the search workers (and anything else opened before the failure) kept the
 * process alive until Ctrl+C.
 */
describe("a server that cannot start exits at once", () => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let holder: net.Server;
  let port: number;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    tmp = tempDir();
    env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: path.join(tmp.dir, "index.db") };
    // An index that exists, so the service starts its search workers before it tries the port.
    expect((await cli(["ingest", copySamples(path.join(tmp.dir, "docs"))], env)).code).toBe(0);
    holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    port = (holder.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => holder?.close(r));
    await ollama?.close();
    tmp?.cleanup();
  });

  // Starting tsx in a child takes one to three seconds on a busy machine; a hang is killed at 20.
  const LIMIT = 20_000;

  it("serve on a port that is taken: exit 2, naming the port", async () => {
    const r = await exitsWithin(["serve", "--port", String(port)], env, LIMIT);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
  });

  it("a second demo while the first holds the port: exit 2", async () => {
    const r = await exitsWithin(["demo", "--port", String(port)], env, LIMIT);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is already in use");
  });

  it("serve on 0.0.0.0 without an API key: exit 2 before the index is opened", async () => {
    const r = await exitsWithin(["serve", "--host", "0.0.0.0", "--port", "0"], env, LIMIT);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without an API key/);
    expect(r.stderr).not.toMatch(/Ollama is not reachable/);
  });

  it("serve --watch of a folder that does not exist: exit 2, naming it", async () => {
    const missing = path.join(tmp.dir, "no-such-folder");
    const r = await exitsWithin(["serve", "--port", "0", "--watch", missing], env, LIMIT);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(missing);
    expect(r.stdout).not.toMatch(/listening on/);
  });

  it("a server that did start says truthfully who writes the answers, and stops cleanly on SIGTERM", async () => {
    // Ollama unreachable: port 1 (privileged, nothing listens there). A port freed by this test could be
    // taken at once by another test file's server running in parallel.
    const deadPort = 1;
    const child = spawnCli(["serve", "--port", "0"], { ...env, OLLAMA_HOST: `127.0.0.1:${deadPort}` });
    let stdout = "";
    child.proc.stdout?.on("data", (d) => {
      stdout += d;
    });
    const killer = setTimeout(() => child.proc.kill("SIGKILL"), LIMIT);
    while (!stdout.includes("  try:") && child.proc.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    child.proc.kill("SIGTERM");
    const r = await child.exited;
    clearTimeout(killer);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^  answers: extractive \\(the best-matching sentences of the sources, no chat model\\): Ollama was not reachable at http://127\\.0\\.0\\.1:${deadPort} when grounded started`,
        "m",
      ),
    );
    expect(r.stdout).not.toMatch(/extractive via Ollama/);
  });
});
