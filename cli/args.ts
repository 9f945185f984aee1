import { parseArgs } from "node:util";
import type { ConfigOverrides } from "../src/config.js";
import { ValidationError } from "../src/errors.js";

/**
 * A command-line flag: parseArgs' `type` (with `short`, `multiple`), the placeholder its value has in the
 * usage text (`--k N`), and one line saying what it does. Usage and help are generated from these.
 */
export interface FlagDef {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  value?: string;
  help: string;
}

export type FlagSpec = Record<string, FlagDef>;

/** Flags every command accepts; they override the environment variables of the same meaning. */
export const COMMON_FLAGS = {
  "ollama-host": {
    type: "string",
    value: "URL",
    help: "Ollama's address, or several separated by commas (OLLAMA_HOST)",
  },
  db: {
    type: "string",
    value: "FILE",
    help: "the index: a SQLite file, or a PostgreSQL database as postgres://… (GROUNDED_DB)",
  },
  "embed-model": { type: "string", value: "NAME", help: "the Ollama embedding model (GROUNDED_EMBED_MODEL)" },
  "chat-model": {
    type: "string",
    value: "NAME",
    help: "the Ollama chat model, or none (GROUNDED_CHAT_MODEL)",
  },
  host: { type: "string", value: "H", help: "the address to listen on (GROUNDED_HOST)" },
  port: { type: "string", value: "P", help: "the port to listen on (GROUNDED_PORT)" },
  json: { type: "boolean", help: "print JSON instead of text" },
  help: { type: "boolean", short: "h", help: "print this help" },
} as const satisfies FlagSpec;

export type CommonFlag = Exclude<keyof typeof COMMON_FLAGS, "help">;

/** parseArgs' own view of the flags: only the keys it knows. */
function parseArgsOptions(flags: FlagSpec) {
  return Object.fromEntries(
    Object.entries(flags).map(([name, { type, short, multiple }]) => [
      name,
      { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) },
    ]),
  );
}

/** `command` names the command in messages about its flags ("ingest", "serve", ...). */
export function parse<T extends FlagSpec>(argv: string[], flags: T, command: string, cli = "grounded") {
  const options = { ...COMMON_FLAGS, ...flags };
  try {
    return parseArgs({
      args: argv,
      options: parseArgsOptions(options) as typeof options,
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

/** The parsed values of the flags that override settings (what `overridesFrom` reads). */
export type ConfigFlags = { [K in Exclude<CommonFlag, "json">]?: string | undefined };
