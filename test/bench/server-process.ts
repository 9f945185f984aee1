import type { ChildProcess } from "node:child_process";
import { startServeProcess } from "../helpers/grounded-process.js";
import { groundedCommand } from "./command.js";

/**
 * `grounded serve` as its own process, as a user runs it; resolves with its URL. A bench that times
 * requests to it then times the server alone: a service started inside the bench would share its event loop
 * with the bench's own HTTP client and counted that client's work as the server's.
 */
export function startServerProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const [script] = groundedCommand().argv;
  return startServeProcess(script as string, env);
}
