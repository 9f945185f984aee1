import { commandForm } from "../src/cli-name.js";
import { type Config, loadConfig } from "../src/config.js";
import { resolveUserPath, userCwd } from "../src/user-path.js";
import { overridesFrom } from "./args.js";

/** What a command knows about how it was started; built once by the CLI entry (cli.ts `main`). */
export interface Invocation {
  readonly env: Record<string, string | undefined>;
  /** The folder the user ran the command in: paths they give are read from here. */
  readonly cwd: string;
  /** `grounded` or `npm run grounded --`, for messages that say what to run. */
  readonly cli: string;
}

export function invocationOf(env: Record<string, string | undefined>, processCwd: string): Invocation {
  return { env, cwd: userCwd(env, processCwd), cli: commandForm(env) };
}

export function configFor(inv: Invocation, values: Record<string, unknown>): Config {
  return loadConfig(inv.env, overridesFrom(values), { cwd: inv.cwd });
}

/** Files and folders named on the command line, absolute (`~` expanded, relative to the user's folder). */
export function userPaths(inv: Invocation, typed: readonly string[]): string[] {
  return typed.map((p) => resolveUserPath(inv.cwd, p));
}
