// Source-level guarantees that are easy to lose in a refactor.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** web/src (tests run from web/). */
const SRC = resolve(process.cwd(), "src");

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "test") yield* sources(p); // tests may name it
    } else if (/\.(ts|tsx)$/.test(name) && !p.endsWith(join("api", "schema.ts"))) {
      yield p;
    }
  }
}

describe("the SPA and the refresh token", () => {
  it("no application code mentions refresh_token (the token lives only in the HttpOnly cookie)", () => {
    const offenders = [...sources(SRC)].filter((p) => /refresh_?token|refreshToken/i.test(readFileSync(p, "utf8")));
    expect(offenders.map((p) => relative(SRC, p))).toEqual([]);
  });

  it("login, signup and invitation acceptance send refresh_delivery (the shared 'cookie' constant)", () => {
    for (const page of ["pages/Login.tsx", "pages/Signup.tsx", "pages/AcceptInvitation.tsx"]) {
      expect(readFileSync(join(SRC, page), "utf8"), page).toMatch(/refresh_delivery: REFRESH_DELIVERY/);
    }
    expect(readFileSync(join(SRC, "api/session.ts"), "utf8")).toMatch(/export const REFRESH_DELIVERY: RefreshDelivery = "cookie";/);
  });
});
