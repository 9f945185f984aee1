import { packageFile } from "../../src/package-root.js";
import { assertAddressAllowed } from "../../src/server/listen.js";
import { defineCommand } from "../command.js";
import { configFor } from "../invocation.js";
import { ingestPaths } from "./ingest.js";
import { serve } from "./serve.js";

const SAMPLES = packageFile("data", "samples");

/** `grounded demo`: ingest the sample documents, then serve them. */
export const demoCommand = defineCommand({
  name: "demo",
  args: "",
  summary: "ingest data/samples, then serve",
  flags: {},
  common: ["host", "port", "db", "chat-model", "ollama-host"],
  async run({ values, inv, out, err }) {
    const config = configFor(inv, values);
    assertAddressAllowed(config); // refused before the samples are ingested, not after
    const summary = await ingestPaths(config, [SAMPLES], { prune: true }, out, err);
    if (summary.failed > 0) return 1;
    return serve(values, inv, out, err);
  },
});
