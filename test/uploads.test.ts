import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { safeUploadName } from "../src/server/upload-name.js";
import { BACKGROUND_NICE_STEPS } from "../src/thread-priority.js";
import { postJson, type RunningService, startService } from "./helpers/app.js";
import { describeEachBackend, type TestIndex } from "./helpers/backends.js";
import { tempDir } from "./helpers/tmp.js";
import { until } from "./helpers/until.js";
import { type OllamaStandIn, startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

function upload(
  url: string,
  name: string,
  content: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  form.append("file", new Blob([content]), name);
  return fetch(`${url}/api/documents`, { method: "POST", body: form, headers });
}

describeEachBackend(
  "POST /api/documents: upload one file, saved in the uploads folder and ingested",
  (backend) => {
    let ollama: OllamaStandIn;
    let tmp: ReturnType<typeof tempDir>;
    let service: RunningService;
    let index: TestIndex;
    const uploads = () => path.join(tmp.dir, "index", "uploads");

    beforeAll(async () => {
      ollama = await startOllamaStandIn();
      tmp = tempDir();
      index = await backend.create();
      service = await startService({
        OLLAMA_HOST: ollama.url,
        // SQLite keeps uploads beside its file (the default); a database needs the folder named.
        GROUNDED_DB: backend.name === "sqlite" ? path.join(tmp.dir, "index", "grounded.db") : index.db,
        ...(backend.name === "sqlite" ? {} : { GROUNDED_UPLOADS: uploads() }),
        GROUNDED_MAX_UPLOAD_MB: "1",
      });
    });
    afterAll(async () => {
      await service?.close();
      await ollama?.close();
      await index?.drop();
      tmp?.cleanup();
    });

    it("stores the file under uploads/, embeds it, answers with the document and chunk count, and it is searchable", async () => {
      const res = await upload(
        service.url,
        "../../etc/茶壺說明.md",
        "# 茶壺\n\n每四週用檸檬酸除垢一次。\n\nThe teapot spout is cleaned with a soft brush.\n",
      );
      expect(res.status).toBe(201);
      const body = (await res.json()) as Record<string, any>;
      expect(body.status).toBe("added");
      expect(body.document).toMatchObject({ source: "茶壺說明.md", format: "markdown" });
      expect(body.chunks).toBeGreaterThan(0);
      expect(body.document.chunks).toBe(body.chunks);
      expect(fs.readdirSync(uploads())).toEqual(["茶壺說明.md"]);
      expect(ollama.requestsTo("/api/embed").length).toBeGreaterThan(0);

      const list = (await (await fetch(`${service.url}/api/documents`)).json()) as Record<string, any>;
      expect(list.documents.map((d: any) => d.source)).toEqual(["茶壺說明.md"]);
      const found = await postJson(`${service.url}/api/search`, { query: "teapot spout brush" });
      expect(found.json.results[0].source).toBe("茶壺說明.md");
      if (process.platform === "linux") {
        // The writer ran at a lower priority than the searches: one thread of this process is niced.
        const nices = fs
          .readdirSync(`/proc/${process.pid}/task`)
          .map((tid) => fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, "utf8"))
          .map((stat) => Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
        expect(nices).toContain(Math.min(19, os.getPriority() + BACKGROUND_NICE_STEPS));
      }
    });

    it("uploading the same name again updates that document instead of adding another", async () => {
      const res = await upload(service.url, "茶壺說明.md", "# Teapot\n\nDescale the teapot monthly.\n");
      expect(res.status).toBe(201);
      expect(((await res.json()) as Record<string, any>).status).toBe("updated");
      expect((await service.runtime.store.counts()).documents).toBe(1);
    });

    it("refuses an unsupported extension with 415 and keeps nothing", async () => {
      const res = await upload(service.url, "tool.exe", "MZ...");
      expect(res.status).toBe(415);
      const body = (await res.json()) as Record<string, any>;
      expect(body.error.code).toBe("unsupported_file_type");
      expect(body.error.message).toContain(".pdf");
      expect(fs.readdirSync(uploads())).toEqual(["茶壺說明.md"]);
    });

    it("refuses a file over GROUNDED_MAX_UPLOAD_MB with 413", async () => {
      const res = await upload(service.url, "big.txt", new Uint8Array(1024 * 1024 + 10).fill(65));
      expect(res.status).toBe(413);
      const body = (await res.json()) as Record<string, any>;
      expect(body.error.code).toBe("file_too_large");
      expect(body.error.message).toContain("1 MB");
      expect(fs.existsSync(path.join(uploads(), "big.txt"))).toBe(false);
      // Streamed to disk as it arrived: the part written before the limit was hit is gone too.
      expect(fs.readdirSync(uploads()).filter((f) => f.endsWith(".part"))).toEqual([]);
    });

    it("two files in one upload: 400, and neither is kept", async () => {
      const form = new FormData();
      form.append("file", new Blob(["# One\n\nFirst.\n"]), "one.md");
      form.append("file", new Blob(["# Two\n\nSecond.\n"]), "two.md");
      const res = await fetch(`${service.url}/api/documents`, { method: "POST", body: form });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Record<string, any>).error.message).toBe(
        "Send exactly one file (got 2).",
      );
      const left = fs.readdirSync(uploads());
      expect(left.filter((f) => f.endsWith(".part") || f === "one.md" || f === "two.md")).toEqual([]);
    });

    it("a file with no text is a 422 in words, and is not left behind", async () => {
      const res = await upload(service.url, "empty.md", "   \n");
      expect(res.status).toBe(422);
      const body = (await res.json()) as Record<string, any>;
      expect(body.error).toMatchObject({ code: "load_failed" });
      expect(body.error.message).toMatch(/^empty\.md: /);
      expect(fs.existsSync(path.join(uploads(), "empty.md"))).toBe(false);
    });

    it("removing an uploaded document removes its copy under uploads/ as well", async () => {
      const res = await upload(service.url, "scratch.md", "# Scratch\n\nThe spare key is under the mat.\n");
      expect(res.status).toBe(201);
      const { document } = (await res.json()) as { document: { id: number } };
      expect(fs.existsSync(path.join(uploads(), "scratch.md"))).toBe(true);
      const del = await fetch(`${service.url}/api/documents/${document.id}`, { method: "DELETE" });
      expect(del.status).toBe(200);
      expect(fs.existsSync(path.join(uploads(), "scratch.md"))).toBe(false);
      expect(fs.readdirSync(uploads())).toContain("茶壺說明.md");
    });

    it("a request without a file, or not multipart, is a 4xx", async () => {
      const none = await fetch(`${service.url}/api/documents`, { method: "POST", body: new FormData() });
      expect(none.status).toBe(400);
      const json = await postJson(`${service.url}/api/documents`, { file: "x" });
      expect(json.status).toBe(415);
    });
  },
);

describe("uploads wait in a bounded queue for the server's writer thread", () => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let service: RunningService;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    tmp = tempDir();
    service = await startService({
      OLLAMA_HOST: ollama.url,
      GROUNDED_DB: path.join(tmp.dir, "grounded.db"),
      GROUNDED_INGEST_QUEUE: "0",
      GROUNDED_EMBED_BATCH: "1",
      GROUNDED_EMBED_CONCURRENCY: "1",
    });
  });
  afterAll(async () => {
    await service?.close();
    await ollama?.close();
    tmp?.cleanup();
  });

  it("beyond GROUNDED_INGEST_QUEUE an upload gets 429 with Retry-After at once; the one being written completes", async () => {
    // Hundreds of chunks embedded one per request: the writer is busy for a while.
    const long = Array.from(
      { length: 400 },
      (_, i) => `## Part ${i}\n\nThe pump ${i} is serviced in week ${i}.\n`,
    ).join("\n");
    const first = upload(service.url, "long.md", long);
    await until("the long upload to be embedding", () => ollama.requestsTo("/api/embed").length > 0, 30_000);
    const refused = await upload(service.url, "small.md", "# Small\n\nA small note.\n");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = (await refused.json()) as Record<string, any>;
    expect(body.error.code).toBe("ingest_busy");
    expect(body.error.message).toMatch(/waiting to be indexed\. Try again in \d+ s/);
    expect((await first).status).toBe(201);
    // Once the writer is free, the same upload goes through.
    expect((await upload(service.url, "small.md", "# Small\n\nA small note.\n")).status).toBe(201);
  });

  it("a writer thread that dies mid-upload: 503 in words, nothing half-stored, and the next upload works", async () => {
    ollama.reset();
    const long = Array.from(
      { length: 400 },
      (_, i) => `## Step ${i}\n\nThe valve ${i} is checked in week ${i}.\n`,
    ).join("\n");
    const pending = upload(service.url, "steps.md", long);
    await until("the upload to be embedding", () => ollama.requestsTo("/api/embed").length > 0, 30_000);
    await service.writer.simulateCrash();
    const res = await pending;
    expect(res.status).toBe(503);
    const body = (await res.json()) as Record<string, any>;
    expect(body.error.code).toBe("index_writer_stopped");
    expect(body.error.message).toMatch(/this file was not added and the index is unchanged\. Send it again/);
    const docs = (await (await fetch(`${service.url}/api/documents`)).json()) as {
      documents: Array<{ source: string }>;
    };
    expect(docs.documents.map((d) => d.source)).not.toContain("steps.md");
    expect(fs.existsSync(path.join(tmp.dir, "uploads", "steps.md"))).toBe(false);
    // A new thread takes the next upload.
    expect((await upload(service.url, "steps.md", "# Steps\n\nThe valve is checked weekly.\n")).status).toBe(
      201,
    );
  });
});

describe("safeUploadName", () => {
  it("keeps only the last path segment and readable characters", () => {
    expect(safeUploadName("C:\\Users\\me\\report.pdf")).toBe("report.pdf");
    expect(safeUploadName("../../.bashrc")).toBe("bashrc");
    expect(safeUploadName("../..")).toBeNull();
    expect(safeUploadName("..\\..\\secret.md")).toBe("secret.md");
    expect(safeUploadName('a<b>:"c|?*.txt')).toBe("a_b___c___.txt");
    expect(safeUploadName("CON.txt")).toBe("_CON.txt");
    expect(safeUploadName("圖書館規則.md")).toBe("圖書館規則.md");
    expect(safeUploadName(`${"x".repeat(300)}.docx`)).toHaveLength(120);
  });
});
