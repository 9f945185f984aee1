import { readFileSync } from "node:fs";
import type { Hono } from "hono";
import { packageFile } from "../package-root.js";

// The page loads only its own script and style and talks only to this server.
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The web page: plain HTML, CSS and JavaScript from src/server/web/, read once at start-up, so using it
 * needs no build step. `GET /` answers only browsers; the Ollama-compatible API (registered first) answers Ollama
 * clients that probe `/`.
 */
export function registerWebPage(app: Hono): void {
  // Read from the source tree also when the server runs compiled (dist/): the files are not compiled.
  const read = (name: string) => readFileSync(packageFile("src", "server", "web", name), "utf8");
  const assets = [
    { route: "/", body: read("index.html"), type: "text/html; charset=utf-8" },
    { route: "/web/app.js", body: read("app.js"), type: "text/javascript; charset=utf-8" },
    { route: "/web/markdown.js", body: read("markdown.js"), type: "text/javascript; charset=utf-8" },
    { route: "/web/style.css", body: read("style.css"), type: "text/css; charset=utf-8" },
    // Browsers ask for /favicon.ico whatever the page says; the content type, not the name, makes it SVG.
    { route: "/favicon.ico", body: read("favicon.svg"), type: "image/svg+xml" },
  ];
  for (const asset of assets) {
    app.get(asset.route, (c) =>
      c.body(asset.body, 200, {
        "content-type": asset.type,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "content-security-policy": PAGE_POLICY,
        "referrer-policy": "no-referrer",
      }),
    );
  }
}
