import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { compiledIsCurrent } from "../../bin/compiled.mjs";

const REPO = path.join(import.meta.dirname, "..", "..");

/** Compiles dist/ when a source changed since it was built (as `npm run build` would); false if it could not. */
export function ensureCompiled(): boolean {
  if (!compiledIsCurrent(REPO))
    execFileSync(process.execPath, [path.join(REPO, "bin", "build.mjs")], { cwd: REPO, stdio: "inherit" });
  return compiledIsCurrent(REPO);
}

/**
 * `node <script> serve` in a process of its own (`script`: bin/grounded.mjs, dist/cli/main.js, ...);
 * resolves with its URL once it says it listens, rejects with everything it printed if it exits first.
 */
export async function startServeProcess(
  script: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [script, "serve"], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      out += s;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`grounded serve exited ${code}:\n${out}`)));
  });
  return { child, url };
}
