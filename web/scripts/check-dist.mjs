// Fails when the built console (dist/) references a CDN: everything it
// loads must be bundled, so it works with no internet access.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const dist = new URL("../dist/", import.meta.url).pathname;
const CDN = /https?:\/\/(?:[a-z0-9-]+\.)*(?:unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.[a-z0-9.-]+)/gi;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(js|css|html)$/.test(name)) yield p;
  }
}

let bad = 0;
for (const file of files(dist)) {
  const hits = readFileSync(file, "utf8").match(CDN);
  if (hits) {
    bad += hits.length;
    console.error(`${file}: ${[...new Set(hits)].join(", ")}`);
  }
}
if (bad) {
  console.error(`check:dist: ${bad} CDN reference(s) in dist/`);
  process.exit(1);
}
console.log("check:dist: no CDN references in dist/");
