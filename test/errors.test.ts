import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import * as errors from "../src/errors.js";
import { rebuildError, type SerializedError } from "../src/retrieval/search-pool.js";
import { toErrorResponse } from "../src/server/error-response.js";
import { errorSamples } from "./helpers/error-samples.js";

const classes = Object.entries(errors).filter(
  (entry): entry is [string, typeof errors.GroundedError] =>
    typeof entry[1] === "function" && entry[1].prototype instanceof Error,
);

/** What a caller can observe of an error: its class, the HTTP response it becomes, its own fields. */
function observable(e: Error) {
  return {
    name: e.name,
    message: e.message,
    fields: { ...e },
    response: toErrorResponse(e),
  };
}

describe("the error family", () => {
  it("has a sample of every exported class (a new class must be added to test/helpers/error-samples.ts)", () => {
    const sampled = new Set(errorSamples().map((e) => e.constructor.name));
    expect(classes.map(([name]) => name).filter((name) => !sampled.has(name))).toEqual([]);
    expect(classes.length).toBeGreaterThanOrEqual(25);
  });

  it("every class has its own stable code, and a message that is not empty", () => {
    for (const e of errorSamples()) {
      expect(e.code, e.name).toMatch(/^[a-z_]+$/);
      expect(e.message.length, e.name).toBeGreaterThan(5);
      expect(e.name).toBe(e.constructor.name);
    }
  });

  it("every class survives the round trip from a worker thread: same class, code, status, message, fields", async () => {
    const worker = new Worker(new URL("./helpers/error-worker.mjs", import.meta.url));
    const sent = await new Promise<SerializedError[]>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    const originals = errorSamples();
    expect(sent).toHaveLength(originals.length);
    sent.forEach((s, i) => {
      const original = originals[i] as errors.GroundedError;
      const rebuilt = rebuildError(s);
      expect(rebuilt, original.name).toBeInstanceOf(original.constructor);
      expect(rebuilt).toBeInstanceOf(errors.GroundedError);
      expect(observable(rebuilt), original.name).toEqual(observable(original));
      expect((rebuilt as errors.GroundedError).exitCode).toBe(original.exitCode);
    });
  });
});
