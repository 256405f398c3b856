// Fails (exit 1) when src/api/schema.ts or src/api/public-routes.ts is not
// what `npm run gen:api` makes from ../openapi.yaml today. Generates into a
// temporary file (public-routes.ts: in memory) and compares.
// `--public-routes=FILE` checks FILE instead of src/api/public-routes.ts (for
// the unit test that shows a stale list fails).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OUTPUT as PUBLIC_ROUTES, SPEC, renderPublicRoutes } from "./gen-public-routes.mjs";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const routesFile = process.argv.find((a) => a.startsWith("--public-routes="))?.slice("--public-routes=".length) ?? PUBLIC_ROUTES;

/** True when `a` (committed) equals `b` (generated); otherwise says where they differ. */
function same(name, a, b) {
  if (a === b) return true;
  const al = a.split("\n");
  const bl = b.split("\n");
  const at = al.findIndex((line, i) => line !== bl[i]);
  const line = at === -1 ? al.length : at;
  console.error(`check:api: ${name} is stale (first difference at line ${line + 1}).`);
  console.error(`  committed: ${JSON.stringify(al[line] ?? "<end of file>")}`);
  console.error(`  generated: ${JSON.stringify(bl[line] ?? "<end of file>")}`);
  return false;
}

/** Is the committed schema.ts what openapi-typescript makes today? */
function schemaCurrent() {
  const dir = mkdtempSync(join(tmpdir(), "qhub-api-"));
  const fresh = join(dir, "schema.ts");
  try {
    const bin = join(web, "node_modules/.bin/openapi-typescript");
    const gen = spawnSync(bin, ["../openapi.yaml", "-o", fresh, "--enum-values"], {
      cwd: web,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (gen.status !== 0) {
      console.error("check:api: openapi-typescript failed");
      return false;
    }
    return same("src/api/schema.ts", readFileSync(join(web, "src/api/schema.ts"), "utf8"), readFileSync(fresh, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Is the committed public-routes.ts what scripts/gen-public-routes.mjs makes today? */
function publicRoutesCurrent() {
  let fresh;
  try {
    fresh = renderPublicRoutes(readFileSync(SPEC, "utf8"));
  } catch (e) {
    console.error(`check:api: cannot list the public routes: ${e instanceof Error ? e.message : e}`);
    return false;
  }
  const committed = existsSync(routesFile) ? readFileSync(routesFile, "utf8") : "";
  return same("src/api/public-routes.ts", committed, fresh);
}

const ok = [schemaCurrent(), publicRoutesCurrent()].every(Boolean);
if (ok) {
  console.log("check:api: src/api/schema.ts and src/api/public-routes.ts match ../openapi.yaml");
} else {
  console.error("Run `npm run gen:api` and commit the result.");
  process.exitCode = 1;
}
