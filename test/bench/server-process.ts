import { type ChildProcess, spawn } from "node:child_process";
import { groundedCommand } from "./command.js";

/**
 * `grounded serve` as its own process, as a user runs it; resolves with its URL. A bench that times
 * requests to it then times the server alone: a service started inside the bench would share its event loop
 * with the bench's own HTTP client and counted that client's work as the server's.
 */
export async function startServerProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const grounded = groundedCommand();
  const child = spawn(process.execPath, [...grounded.argv, "serve"], {
    cwd: grounded.cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
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
