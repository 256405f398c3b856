// Fails (exit 1) when src/api/schema.ts is not what `npm run gen:api` makes
// from ../openapi.yaml today. Generates into a temporary file and compares.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(web, "src/api/schema.ts");
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
    process.exit(gen.status ?? 1);
  }
  const a = readFileSync(committed, "utf8");
  const b = readFileSync(fresh, "utf8");
  if (a !== b) {
    const al = a.split("\n");
    const bl = b.split("\n");
    const at = al.findIndex((line, i) => line !== bl[i]);
    console.error(`check:api: src/api/schema.ts is stale (first difference at line ${at + 1}).`);
    console.error(`  committed: ${JSON.stringify(al[at] ?? "<end of file>")}`);
    console.error(`  generated: ${JSON.stringify(bl[at] ?? "<end of file>")}`);
    console.error("Run `npm run gen:api` and commit the result.");
    process.exit(1);
  }
  console.log("check:api: src/api/schema.ts matches ../openapi.yaml");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
