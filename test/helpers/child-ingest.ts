import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const REPO = path.join(import.meta.dirname, "..", "..");

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Child {
  proc: ChildProcess;
  /** Resolves once the process has exited and been reaped (so its pid no longer looks alive). */
  exited: Promise<ChildResult>;
}

/** `grounded ingest <dir>` in a real child process, as a user runs it, so kill -9 is a real kill -9. */
export function spawnIngest(dir: string, env: Record<string, string>): Child {
  return spawnCli(["ingest", dir], env);
}

/** `grounded <args>` in a real child process, so what keeps it alive (or not) is what keeps a user's alive. */
export function spawnCli(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  proc.stdout?.on("data", (d) => {
    stdout += d;
  });
  proc.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<ChildResult>((resolve) =>
    proc.once("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { proc, exited };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until `condition` holds; fail after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting for a condition");
    await sleep(10);
  }
}
