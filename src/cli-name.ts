/**
 * How the user starts grounded, for messages that tell them what to run: `npm run grounded --` when one of
 * the package's own npm scripts started this process (a clone, where there is no `grounded` command), and
 * `grounded` once it is installed as a command (`npm install -g`, `npx grounded`).
 */
export function commandForm(env: Record<string, string | undefined>): string {
  return env.npm_lifecycle_event && /\bcli\/main\.ts\b/.test(env.npm_lifecycle_script ?? "")
    ? "npm run grounded --"
    : "grounded";
}

/** Usage text written for the installed command, in the form that works for this user. */
export function asTyped(text: string, cli: string): string {
  return cli === "grounded" ? text : text.replace(/^(\s*)grounded /gm, `$1${cli} `);
}
