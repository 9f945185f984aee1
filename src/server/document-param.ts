import { NotFoundError, ValidationError } from "../errors.js";
import type { DocumentRecord, Store } from "../store/store.js";

/** The document a route's `:id` names: 400 when it is not a whole number, 404 when no document has it. */
export async function documentFromParam(store: Store, raw: string): Promise<DocumentRecord> {
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id))
    throw new ValidationError(`Document id "${raw}" is not a number.`);
  const doc = await store.document(id);
  if (!doc) throw new NotFoundError(`No document with id ${id}. GET /api/documents lists them.`);
  return doc;
}
