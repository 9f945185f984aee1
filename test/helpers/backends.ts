import path from "node:path";
import { describe } from "vitest";
import { freshDatabase, noPostgres } from "./postgres.js";
import { tempDir } from "./tmp.js";

/** A fresh, empty index of one backend: where it is (GROUNDED_DB) and how to remove it. */
export interface TestIndex {
  db: string;
  drop(): Promise<void>;
}

export interface Backend {
  name: "sqlite" | "postgres";
  /** No server to test against here (PostgreSQL without GROUNDED_TEST_PG): its suites skip. */
  skip: boolean;
  create(): Promise<TestIndex>;
}

/** The index backends grounded has; suites that hold for both run once per backend. */
const BACKENDS: readonly Backend[] = [
  {
    name: "sqlite",
    skip: false,
    create: async () => {
      const tmp = tempDir();
      return { db: path.join(tmp.dir, "index.db"), drop: async () => tmp.cleanup() };
    },
  },
  {
    name: "postgres",
    skip: noPostgres,
    create: async () => {
      const database = await freshDatabase();
      return { db: database.url, drop: () => database.drop() };
    },
  },
];

/** `describe` once per backend (skipped, and said so, where the backend is not available). */
export function describeEachBackend(title: string, body: (backend: Backend) => void): void {
  for (const backend of BACKENDS)
    describe.skipIf(backend.skip)(`${title} [${backend.name}]`, () => body(backend));
}
