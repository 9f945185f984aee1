import fs from "node:fs";
import { indexName, isPostgresUrl } from "../../src/index-location.js";
import { createOllamaClient } from "../../src/ollama/client.js";
import { ollamaReachable } from "../../src/ollama/reachable.js";
import { checkStore, openIndex } from "../../src/store/open-index.js";
import { defineCommand } from "../command.js";
import { configFor } from "../invocation.js";

/** `grounded status [--check]`: the index and Ollama, and with --check the index's invariants. */
export const statusCommand = defineCommand({
  name: "status",
  args: "",
  summary: "index and Ollama state; --check verifies the index",
  flags: { check: { type: "boolean", help: "verify the index's invariants (exit 1 if any fails)" } },
  common: ["json", "db", "ollama-host"],
  async run({ values, inv, out }) {
    const config = configFor(inv, values);
    const hosts = await Promise.all(
      config.ollamaHosts.map((host) => hostStatus(host, config.ollamaTimeoutMs)),
    );
    // The fields from before several hosts: reachable when any host is, the first such host's version, the
    // models any host has. `hosts` has each host's own.
    const version = hosts.find((h) => h.reachable)?.version ?? null;
    const models = [...new Set(hosts.flatMap((h) => h.models))];
    // A PostgreSQL index always "exists" once its server answers (opening it creates the schema).
    const postgres = isPostgresUrl(config.db);
    const exists = postgres || fs.existsSync(config.db);
    const store = exists ? await openIndex(config.db) : null;
    try {
      const counts = (await store?.counts()) ?? { documents: 0, chunks: 0 };
      const info = (await store?.indexInfo()) ?? null;
      const problems = values.check && store ? await checkStore(store) : [];
      const status = {
        index: {
          file: indexName(config.db),
          kind: postgres ? "postgres" : "sqlite",
          exists,
          ...counts,
          embedModel: info?.embedModel ?? null,
          dimensions: info?.dimensions ?? null,
        },
        ollama: { host: config.ollamaHost, reachable: version !== null, version, models, hosts },
        embedModel: config.embedModel,
        chatModel: config.chatModel,
        ...(values.check ? { check: { ok: problems.length === 0, problems } } : {}),
      };
      if (values.json) {
        out.write(`${JSON.stringify(status, null, 2)}\n`);
      } else {
        out.write(
          `index   ${indexName(config.db)}${exists ? "" : ` (not created yet: run ${config.cli} ingest <folder>)`}\n` +
            `        ${counts.documents} documents, ${counts.chunks} chunks, embeddings: ${info ? `${info.embedModel} (${info.dimensions} dims)` : "none yet"}\n`,
        );
        const wanted = [config.embedModel, config.chatModel].filter((x) => x !== "builtin" && x !== "none");
        const fix = (m: string) =>
          hosts.length === 1
            ? `run \`ollama pull ${m}\``
            : `run \`${config.cli} pull\`, or \`ollama pull ${m}\` on that host`;
        for (const h of hosts) {
          out.write(
            `ollama  ${h.host}: ${h.version ? `reachable, version ${h.version}` : "NOT reachable (start it with `ollama serve`)"}\n`,
          );
          if (!h.version) continue;
          const has = (m: string) => h.models.some((x) => x === m || x === `${m}:latest`);
          for (const m of wanted)
            out.write(`        ${m}: ${has(m) ? "pulled" : `not pulled (${fix(m)})`}\n`);
        }
        if (values.check) {
          out.write(
            problems.length === 0
              ? "check   ok: every chunk has its vector and FTS row, no duplicates\n"
              : `check   ${problems.length} problem(s):\n${problems.map((p) => `        - ${p}`).join("\n")}\n`,
          );
        }
      }
      return values.check && problems.length > 0 ? 1 : 0;
    } finally {
      await store?.close();
    }
  },
});

interface HostStatus {
  host: string;
  reachable: boolean;
  version: string | null;
  models: string[];
}

async function hostStatus(host: string, timeoutMs: number): Promise<HostStatus> {
  const client = createOllamaClient({ host, timeoutMs });
  const version = await ollamaReachable(client);
  let models: string[] = [];
  if (version) models = (await client.tags().catch(() => ({ models: [] }))).models.map((m) => m.name);
  return { host, reachable: version !== null, version, models };
}
