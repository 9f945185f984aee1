import fs from "node:fs";
import { request } from "node:http";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, type RunningService, startService } from "./helpers/app.js";
import { type IndexedService, startIndexedService } from "./helpers/indexed-service.js";
import { makePdf } from "./helpers/make-pdf.js";

const MANUAL = "# Kettle manual\n\nDescale the kettle every four weeks with citric acid.\n";
const NOTES = "Plain notes.\r\nThe greenhouse door sticks in frosty weather.\r\n";
const PAGE_TWO = ["The pump filter is rinsed on page two", "every Sunday morning."];

/** Citations that open the source: the original file of a document, and only that. */
describe("GET /api/documents/:id/file", () => {
  let service: IndexedService;
  let outside: string;
  const ids = new Map<string, number>();
  const file = (id: number, headers: Record<string, string> = {}) =>
    fetch(`${service.url}/api/documents/${id}/file`, { headers });

  beforeAll(async () => {
    service = await startIndexedService({
      writeDocs: (docs) => {
        fs.mkdirSync(path.join(docs, "說明"), { recursive: true });
        fs.writeFileSync(path.join(docs, "kettle.md"), MANUAL);
        fs.writeFileSync(path.join(docs, "notes.txt"), NOTES);
        fs.writeFileSync(
          path.join(docs, "說明", "水泵.pdf"),
          makePdf([["Cover page of the pump guide."], PAGE_TWO]),
        );
        fs.writeFileSync(
          path.join(docs, "page.html"),
          "<html><body><main><p>The gate code is 4711.</p><script>fetch('/api/documents')</script></main></body></html>",
        );
        fs.writeFileSync(path.join(docs, "gone.md"), "# Gone\n\nThis file will be deleted after ingest.\n");
        fs.writeFileSync(path.join(docs, "linked.md"), "# Linked\n\nThis file will become a link.\n");
        fs.writeFileSync(path.join(docs, "moved.md"), "# Moved\n\nThis record will point elsewhere.\n");
      },
    });
    outside = path.join(service.dir, "secret.txt");
    fs.writeFileSync(outside, "a private file outside the indexed folder\n");
    for (const d of (await (await fetch(`${service.url}/api/documents`)).json()).documents as Array<{
      id: number;
      source: string;
    }>)
      ids.set(d.source, d.id);
  });
  afterAll(() => service?.close());

  const idOf = (source: string) => {
    const id = ids.get(source);
    if (id === undefined) throw new Error(`${source} was not indexed: ${[...ids.keys()].join(", ")}`);
    return id;
  };

  it("serves a Markdown or text file as written, inline, UTF-8, never sniffed or run", async () => {
    const res = await file(idOf("kettle.md"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      `inline; filename="kettle.md"; filename*=UTF-8''kettle.md`,
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect(await res.text()).toBe(MANUAL);
    const notes = await file(idOf("notes.txt"));
    expect(notes.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await notes.text()).toBe(NOTES);
  });

  it("serves a PDF byte for byte, with its Chinese file name kept (RFC 8187)", async () => {
    const source = "說明/水泵.pdf";
    const res = await file(idOf(source));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(
      `inline; filename="__.pdf"; filename*=UTF-8''${encodeURIComponent("水泵.pdf")}`,
    );
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(fs.readFileSync(path.join(service.docs, source)))).toBe(true);
  });

  it("a citation carries the document id that opens its file, and the page", async () => {
    const r = await postJson(`${service.url}/api/ask`, { question: "How often is the pump filter rinsed?" });
    expect(r.status).toBe(200);
    const cited = (r.json.citations as Array<{ documentId: number; source: string; page: number | null }>)[0];
    expect(cited).toMatchObject({ source: "說明/水泵.pdf", page: 2, documentId: idOf("說明/水泵.pdf") });
    const search = await postJson(`${service.url}/api/search`, { query: "descale citric acid" });
    expect(search.json.results[0]).toMatchObject({ source: "kettle.md", documentId: idOf("kettle.md") });
  });

  it("never renders an HTML document on grounded's origin: a download as plain text", async () => {
    const res = await file(idOf("page.html"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="page\.html"/);
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
  });

  it("a file deleted since it was indexed: 404 that says to ingest again", async () => {
    fs.rmSync(path.join(service.docs, "gone.md"));
    const res = await file(idOf("gone.md"));
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(
      /moved or deleted after it was indexed\. Ingest its folder again/,
    );
  });

  it("a file replaced by a link to a file outside the folder is refused, and so is an edited index", async () => {
    const linked = path.join(service.docs, "linked.md");
    fs.rmSync(linked);
    fs.symlinkSync(outside, linked);
    const viaLink = await file(idOf("linked.md"));
    expect(viaLink.status).toBe(403);
    expect((await viaLink.json()).error.code).toBe("forbidden_file");

    // Someone changes the recorded path in the index file itself.
    const db = new Database(service.env.GROUNDED_DB as string);
    db.prepare("UPDATE documents SET path = ? WHERE id = ?").run(outside, idOf("moved.md"));
    db.close();
    const edited = await file(idOf("moved.md"));
    expect(edited.status).toBe(403);
    expect(await edited.text()).not.toContain("private file");
  });

  it("ids that are not numbers or not documents: 400 and 404, never a path", async () => {
    for (const raw of ["..%2F..%2Fsecret.txt", "1%2F..%2F..", "-1", "1.5", "0x1"]) {
      const res = await fetch(`${service.url}/api/documents/${raw}/file`);
      expect([400, 404], raw).toContain(res.status);
      expect(await res.text(), raw).not.toContain("private file");
    }
    expect((await file(999_999)).status).toBe(404);
  });

  it("is behind the same checks as the rest of the API: a foreign Origin or Host is refused", async () => {
    const origin = await file(idOf("kettle.md"), { Origin: "http://evil.example" });
    expect(origin.status).toBe(403);
    // fetch sets Host itself; a rebinding page's request names its own host.
    const port = Number(new URL(service.url).port);
    const status = await new Promise<number>((resolve, reject) =>
      request(
        {
          host: "127.0.0.1",
          port,
          path: `/api/documents/${idOf("kettle.md")}/file`,
          headers: { Host: "evil.example" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end(),
    );
    expect(status).toBe(403);
  });

  it("serves an uploaded file from the uploads folder", async () => {
    const form = new FormData();
    form.append("file", new Blob(["# Sprayer\n\nThe sprayer nozzle is cleaned in vinegar.\n"]), "sprayer.md");
    const res = await fetch(`${service.url}/api/documents`, { method: "POST", body: form });
    expect(res.status).toBe(201);
    const { document } = (await res.json()) as { document: { id: number } };
    const served = await file(document.id);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain("nozzle is cleaned in vinegar");
  });

  describe("with an API key", () => {
    let locked: RunningService;
    beforeAll(async () => {
      locked = await startService({ ...service.env, GROUNDED_API_KEY: "s3cret" });
    });
    afterAll(() => locked?.close());

    it("needs the key, like every /api route", async () => {
      const url = `${locked.url}/api/documents/${idOf("kettle.md")}/file`;
      expect((await fetch(url)).status).toBe(401);
      const res = await fetch(url, { headers: { Authorization: "Bearer s3cret" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(MANUAL);
    });
  });
});
