import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { scopeValues, type Scope } from "../api/types";
import { keyListEmpty } from "../lib/keyList";
import { checklistMode, onboardingSteps, progressText, resendOutcome } from "../lib/onboarding";
import {
  curlSnippet,
  firstCallFor,
  pythonSnippet,
  shellQuote,
  snippetsFor,
  stringLiteral,
  typescriptSnippet,
} from "../lib/snippets";

const KEY = "qh_live_0123456789abcdef";
const BASE = "https://api.qhub.example/";

describe("firstCallFor", () => {
  it("picks a read the key's scopes allow", () => {
    expect(firstCallFor(["users:read", "usage:read"]).path).toBe("/v1/users?limit=5");
    expect(firstCallFor(["usage:read", "apps:read"])).toMatchObject({ scope: "usage:read", path: "/v1/usage/summary" });
    expect(firstCallFor(["admin"])).toMatchObject({ scope: "admin", path: "/v1/audit-events?limit=5" });
    expect(firstCallFor(["jobs:write"])).toMatchObject({ scope: null, path: "/v1/users?limit=5" });
  });

  it("only chooses operations that accept an API key with that scope (openapi.yaml)", () => {
    const spec = parse(readFileSync(resolve(__dirname, "../../../openapi.yaml"), "utf8")) as {
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
    };
    for (const scope of scopeValues) {
      const call = firstCallFor([scope]);
      if (call.scope === null) continue;
      const op = spec.paths[call.path.split("?")[0]!]?.get;
      const apiKey = op?.security?.find((s) => "apiKeyAuth" in s)?.apiKeyAuth;
      expect(apiKey, `${call.path} accepts API keys`).toBeDefined();
      expect(apiKey).toEqual([call.scope]);
      expect(call.typescript.path).toBe(call.path.split("?")[0]);
    }
  });
});

describe("quoting", () => {
  it("single-quotes shell words, including embedded quotes", () => {
    expect(shellQuote("abc")).toBe("'abc'");
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    // The shell gives back exactly the input.
    const nasty = `a'b"c $(rm -rf /) \`x\` \\ !`;
    expect(execFileSync("sh", ["-c", `printf %s ${shellQuote(nasty)}`]).toString()).toBe(nasty);
  });

  it("writes string literals valid in Python and TypeScript", () => {
    expect(stringLiteral('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
    expect(stringLiteral("x\u2028y")).toBe('"x\\u2028y"');
    expect(JSON.parse(stringLiteral('q"\\'))).toBe('q"\\');
  });
});

describe("snippets", () => {
  it("curl sends the key in X-API-Key to the API's base URL", () => {
    expect(curlSnippet(KEY, BASE, firstCallFor(["users:read"]))).toBe(
      `curl -sS -H 'X-API-Key: ${KEY}' 'https://api.qhub.example/v1/users?limit=5'`,
    );
    // An API under a path prefix keeps it.
    expect(curlSnippet(KEY, "https://x.example/qhub", firstCallFor(["usage:read"]))).toContain("'https://x.example/qhub/v1/usage/summary'");
  });

  it("curl survives a hostile key and URL (the shell sees one word each)", () => {
    const key = "k'; echo pwned #";
    const cmd = curlSnippet(key, "http://h'x", firstCallFor(["users:read"]));
    const words = execFileSync("sh", ["-c", `set -- ${cmd.replace(/^curl /, "")}; for w; do printf '%s\\n' "$w"; done`])
      .toString()
      .trim()
      .split("\n");
    expect(words).toEqual(["-sS", "-H", `X-API-Key: ${key}`, "http://h'x/v1/users?limit=5"]);
  });

  it("Python uses the generated client with the key as X-API-Key and no prefix", () => {
    const py = pythonSnippet(KEY, BASE, firstCallFor(["usage:read"]));
    expect(py).toContain("from qhub_client import AuthenticatedClient");
    expect(py).toContain("from qhub_client.api.usage import get_usage_summary");
    expect(py).toContain('base_url="https://api.qhub.example",');
    expect(py).toContain(`token="${KEY}",`);
    expect(py).toContain('prefix="",');
    expect(py).toContain('auth_header_name="X-API-Key",');
    expect(py).toContain("get_usage_summary.sync_detailed(client=client)");
    expect(pythonSnippet(KEY, BASE, firstCallFor(["users:read"]))).toContain("list_users.sync_detailed(client=client, limit=5)");
    expect(pythonSnippet('a"b', BASE, firstCallFor(["users:read"]))).toContain('token="a\\"b",');
  });

  it("TypeScript uses openapi-fetch with the generated paths and the key header", () => {
    const ts = typescriptSnippet(KEY, BASE, firstCallFor(["users:read"]));
    expect(ts).toContain("createClient<paths>({");
    expect(ts).toContain('baseUrl: "https://api.qhub.example",');
    expect(ts).toContain(`headers: { "X-API-Key": "${KEY}" },`);
    expect(ts).toContain('client.GET("/v1/users", { params: { query: { limit: 5 } } })');
    expect(typescriptSnippet(KEY, BASE, firstCallFor(["usage:read"]))).toContain('client.GET("/v1/usage/summary")');
  });

  it("snippetsFor bundles all three for the same call", () => {
    const s = snippetsFor(KEY, ["admin"] as Scope[], BASE);
    expect(s.call.scope).toBe("admin");
    for (const text of [s.curl, s.python, s.typescript]) expect(text).toContain(KEY);
  });
});

describe("key list empty states", () => {
  it("says there are no keys only when there are none", () => {
    expect(keyListEmpty("active", "", false)).toEqual({ kind: "none", text: "No API keys yet." });
    expect(keyListEmpty("all", "", null).kind).toBe("none");
  });

  it("blames the filter when keys exist (e.g. the only key was revoked)", () => {
    expect(keyListEmpty("active", "", true)).toEqual({ kind: "filtered", text: "No active keys." });
    expect(keyListEmpty("revoked", "", true).text).toBe("No revoked keys.");
  });

  it("blames the search when there is one", () => {
    expect(keyListEmpty("active", " ci ", true)).toEqual({ kind: "no-match", text: "No keys match “ci” among the active keys." });
    expect(keyListEmpty("all", "ci", null).text).toBe("No keys match “ci”.");
  });
});

describe("getting-started checklist", () => {
  const o = { email_verified: true, teammate_invited: false, api_key_created: true, first_call_made: false, complete: false };

  it("lists the four steps with their state and counts them", () => {
    const steps = onboardingSteps(o);
    expect(steps.map((s) => [s.id, s.done])).toEqual([
      ["email", true],
      ["invite", false],
      ["key", true],
      ["call", false],
    ]);
    expect(progressText(steps)).toBe("2 of 4 done");
  });

  it("collapses when complete: 'all set' if it was seen open, hidden if it never was", () => {
    expect(checklistMode(o, false)).toBe("list");
    const done = { email_verified: true, teammate_invited: true, api_key_created: true, first_call_made: true, complete: true };
    expect(checklistMode(done, true)).toBe("done");
    expect(checklistMode(done, false)).toBe("hidden");
  });

  it("words the resend outcomes; 409 means verified (look again), 429 names the limit", () => {
    expect(resendOutcome(null)).toMatchObject({ kind: "success", refetch: false });
    expect(resendOutcome(new ApiError({ status: 409, code: "conflict", detail: "already verified" }))).toEqual({
      kind: "success",
      text: "Your email address is already verified.",
      refetch: true,
    });
    const limited = resendOutcome(new ApiError({ status: 429, code: "rate_limited", detail: "x", retryAfter: 1500 }));
    expect(limited.kind).toBe("error");
    expect(limited.text).toContain("at most 3 an hour");
    expect(limited.text).toContain("25 minutes");
    expect(resendOutcome(new ApiError({ status: 500, code: "internal", detail: "boom" })).kind).toBe("error");
  });
});
