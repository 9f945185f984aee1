import { bodyLimit } from "hono/body-limit";
import type { Config } from "../config.js";
import { BodyTooLargeError } from "../errors.js";

/** The request body limit for JSON routes (GROUNDED_MAX_BODY_KB), refusing with 413 in grounded's words. */
export function jsonBodyLimit(config: Config) {
  return bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: () => {
      throw new BodyTooLargeError(config.maxBodyBytes);
    },
  });
}
