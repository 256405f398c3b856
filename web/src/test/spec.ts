import { resolve } from "node:path";

/** The API contract the client is generated from (tests run from web/). */
export const SPEC_PATH = resolve(process.cwd(), "..", "openapi.yaml");
