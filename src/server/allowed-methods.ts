import type { Hono } from "hono";

/** A Hono route path (`/api/documents/:id`, `/v1/models/:model{.+}`) as a RegExp for a whole request path. */
function pattern(routePath: string): RegExp {
  const source = routePath
    .split(/(:\w+(?:\{[^}]+\})?)/)
    .map((part) => {
      const param = /^:\w+(?:\{([^}]+)\})?$/.exec(part);
      if (param) return param[1] ? `(?:${param[1]})` : "[^/]+";
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}/?$`);
}

/**
 * The methods that some route other than middleware answers for `path`, so a request with another method
 * can get 405 with an `Allow` header instead of a misleading 404. Empty when no route has this path.
 */
export function allowedMethods(app: Hono, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    if (pattern(route.path).test(path)) methods.add(route.method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}
