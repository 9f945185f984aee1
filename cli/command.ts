import { asTyped } from "../src/cli-name.js";
import { COMMON_FLAGS, type CommonFlag, type FlagDef, type FlagSpec, parse } from "./args.js";
import type { Invocation } from "./invocation.js";
import type { Output } from "./progress.js";

/** What a command's `run` receives: its flags and arguments parsed, and where to write. */
interface CommandContext<F extends FlagSpec> {
  values: ReturnType<typeof parse<F>>["values"];
  positionals: string[];
  /** The arguments as typed, for a command that hands them on (`demo` runs `serve` with them). */
  argv: string[];
  inv: Invocation;
  out: Output;
  err: Output;
}

/**
 * A command as data: its name, the arguments and flags it takes, a line saying what it does, and `run`.
 * The overview (`grounded --help`), each command's `--help` and the usage in error messages are all
 * generated from these, and every command is parsed the same way before `run` sees it.
 */
export interface Command<F extends FlagSpec = FlagSpec> {
  name: string;
  /** The positional arguments as usage shows them: `<file-or-folder>...`, `"<question>"`, or "". */
  args: string;
  summary: string;
  flags: F;
  /** The common flags (args.ts) that matter to this command, in the order its usage lists them. */
  common: readonly CommonFlag[];
  run(context: CommandContext<F>): Promise<number>;
}

/** Type-checks one command's `run` against its own flags. */
export function defineCommand<F extends FlagSpec>(command: Command<F>): Command {
  return command as unknown as Command;
}

function flagUsage(name: string, flag: FlagDef): string {
  const shown = `[--${name}${flag.value ? ` ${flag.value}` : ""}]`;
  return flag.multiple ? `${shown}...` : shown;
}

/** `grounded ask "<question>" [--k N] ... [--db FILE]`, in the form this user types. */
export function usageLine(command: Command, cli = "grounded"): string {
  const parts = [`grounded ${command.name}`];
  if (command.args) parts.push(command.args);
  for (const [name, flag] of Object.entries(command.flags)) parts.push(flagUsage(name, flag));
  for (const name of command.common) parts.push(flagUsage(name, (COMMON_FLAGS as FlagSpec)[name] as FlagDef));
  return asTyped(parts.join(" "), cli);
}

/** A command's `--help`: its usage, what it does, then each of its flags. */
function commandHelp(command: Command, cli = "grounded"): string {
  const flags: [string, FlagDef][] = [
    ...Object.entries(command.flags),
    ...command.common.map((name): [string, FlagDef] => [name, (COMMON_FLAGS as FlagSpec)[name] as FlagDef]),
  ];
  const left = flags.map(([name, flag]) => `--${name}${flag.value ? ` ${flag.value}` : ""}`);
  const width = Math.max(0, ...left.map((l) => l.length));
  const lines = flags.map(([, flag], i) => `  ${(left[i] ?? "").padEnd(width)}  ${flag.help}`);
  return `${usageLine(command, cli)}\n\n${command.summary}\n${lines.length ? `\n${lines.join("\n")}\n` : ""}`;
}

/** `grounded --help`: every command with its own flags and what it does. */
export function overview(commands: readonly Command[], cli = "grounded"): string {
  const left = commands.map((c) =>
    [`grounded ${c.name}`, c.args, ...Object.entries(c.flags).map(([n, f]) => flagUsage(n, f))]
      .filter(Boolean)
      .join(" "),
  );
  const lines = commands.map((c, i) => `  ${left[i] ?? ""}\n      ${c.summary}`);
  const common = Object.entries(COMMON_FLAGS as FlagSpec)
    .filter(([name]) => name !== "help")
    .map(([name, flag]) => `--${name}${flag.value ? ` ${flag.value}` : ""}`)
    .join(" ");
  return asTyped(
    `grounded: ask questions of your documents, with citations to file and page.\n\n${lines.join("\n")}\n\n` +
      `Common flags: ${common}\n` +
      "Settings can also come from the environment (OLLAMA_HOST, GROUNDED_DB, ...): see README.md.\n" +
      "`grounded <command> --help` lists a command's flags; `grounded --version` prints the version.\n",
    cli,
  );
}

/** Parse `argv` for `command`, answer `--help`, or run it. */
export async function runCommand(
  command: Command,
  argv: string[],
  inv: Invocation,
  out: Output,
  err: Output,
): Promise<number> {
  const { values, positionals } = parse(argv, command.flags, command.name, inv.cli);
  if (values.help) {
    out.write(commandHelp(command, inv.cli));
    return 0;
  }
  return command.run({ values, positionals, argv, inv, out, err });
}
