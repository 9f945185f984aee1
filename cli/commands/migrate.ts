import fs from "node:fs";
import { ValidationError } from "../../src/errors.js";
import { indexName, isPostgresUrl } from "../../src/index-location.js";
import { copyIndex } from "../../src/store/copy-index.js";
import { openIndex } from "../../src/store/open-index.js";
import type { PgStore } from "../../src/store/postgres/pg-store.js";
import { openStore } from "../../src/store/store.js";
import { defineCommand } from "../command.js";
import { configFor } from "../invocation.js";

/**
 * `grounded migrate --to postgres://…`: copy a SQLite index (GROUNDED_DB / --db) into a PostgreSQL database
 * without embedding anything again (src/store/copy-index.ts). The SQLite file is left as it was (brought up
 * to date first, as every command does), so it can go on serving until the database takes over.
 */
export const migrateCommand = defineCommand({
  name: "migrate",
  args: "",
  summary: "copy the SQLite index into PostgreSQL (--to postgres://…) without re-embedding",
  flags: {
    to: {
      type: "string",
      value: "URL",
      help: "the PostgreSQL database to copy into (postgres://user:pass@host/db)",
    },
  },
  common: ["db", "json"],
  async run({ values, inv, out }) {
    const config = configFor(inv, values);
    const to = values.to;
    if (!to || !isPostgresUrl(to))
      throw new ValidationError(
        `Name the PostgreSQL database to copy into: ${config.cli} migrate --to postgres://user:password@host:5432/database`,
      );
    if (isPostgresUrl(config.db))
      throw new ValidationError(
        `migrate copies a SQLite index into PostgreSQL, but the index named (GROUNDED_DB / --db) is already a database. Name the SQLite file with --db <file>.`,
      );
    if (!fs.existsSync(config.db))
      throw new ValidationError(
        `There is no index at ${config.db} to copy. Name the SQLite file with --db <file>, or ingest into PostgreSQL directly: GROUNDED_DB=${indexName(to)} ${config.cli} ingest <folder>.`,
      );
    const started = performance.now();
    const source = openStore(config.db);
    try {
      const target = await openIndex(to);
      try {
        if (!values.json) out.write(`Copying ${config.db} into ${indexName(to)} (no re-embedding)\n`);
        const copy = () =>
          copyIndex(source.db, config.db, target, (p) => {
            if (!values.json && out.isTTY)
              out.write(`\r${p.documents}/${p.total} documents, ${p.chunks} chunks`);
          });
        // Into an empty database, the vector index is built once at the end (vectors.ts `bulkLoad`).
        const pg = target as PgStore;
        const info = await source.indexInfo();
        const bulk = info !== null && (await pg.counts()).chunks === 0;
        if (bulk) await pg.ensureIndexInfo(info); // creates the vector table, whose index bulkLoad sets aside
        const { bulkLoad } = await import("../../src/store/postgres/vectors.js");
        const copied = bulk ? await bulkLoad(pg.sql, copy) : await copy();
        // Planner statistics for the freshly filled tables (autovacuum would gather them later).
        await pg.sql`ANALYZE`;
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        if (values.json) {
          out.write(`${JSON.stringify({ from: config.db, to: indexName(to), ...copied, seconds })}\n`);
        } else {
          out.write(
            `${out.isTTY ? "\n" : ""}Done: ${copied.documents} documents, ${copied.chunks} chunks copied in ${seconds} s.\n` +
              `Serve it with: GROUNDED_DB='${indexName(to).replace(":***@", ":<password>@")}' ${config.cli} serve\n`,
          );
        }
        return 0;
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  },
});
