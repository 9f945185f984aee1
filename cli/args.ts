import { parseArgs } from "node:util";
import type { ConfigOverrides } from "../src/config.js";
import { ValidationError } from "../src/errors.js";

/** Flags every command accepts; they override the environment variables of the same meaning. */
export const COMMON_FLAGS = {
  "ollama-host": { type: "string" },
  db: { type: "string" },
  "embed-model": { type: "string" },
  "chat-model": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** `command` names the command in messages about its flags ("ingest", "serve", ...). */
export function parse<T extends FlagSpec>(argv: string[], flags: T, command: string, cli = "grounded") {
  try {
    return parseArgs({
      args: argv,
      options: { ...COMMON_FLAGS, ...flags },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new ValidationError(flagProblem(e as Error & { code?: string }, command, cli));
  }
}

/** parseArgs' messages, which talk about positional arguments and `<value>`, said plainly. */
function flagProblem(e: Error & { code?: string }, command: string, cli: string): string {
  const help = `Run \`${cli} ${command} --help\` for its flags.`;
  const flag = /'(-[^' ]+)/.exec(e.message)?.[1];
  if (flag && e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")
    return `grounded ${command} has no flag ${flag}. ${help}`;
  if (flag && /argument missing/.test(e.message)) return `${flag} needs a value. ${help}`;
  if (flag && /does not take an argument/.test(e.message)) return `${flag} takes no value. ${help}`;
  return `${e.message}. ${help}`;
}

export function overridesFrom(values: Record<string, unknown>): ConfigOverrides {
  const s = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const port = s("port");
  if (port !== undefined && !/^\d+$/.test(port)) throw new ValidationError(`--port ${port} is not a number.`);
  return {
    ollamaHost: s("ollama-host"),
    db: s("db"),
    embedModel: s("embed-model"),
    chatModel: s("chat-model"),
    host: s("host"),
    port: port === undefined ? undefined : Number(port),
  };
}
