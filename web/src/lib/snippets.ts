// "Your first call" snippets shown with a new API key: curl, Python (the
// client openapi-python-client generates from openapi.yaml) and TypeScript
// (openapi-fetch with types from openapi-typescript), pre-filled with the key
// and the API's base URL. The call is a read the key's scopes allow: an
// operation whose security lists `apiKeyAuth` with that scope (operations
// without scopes need a user session and answer an API key with 403).
import type { Scope } from "../api/types";

export interface FirstCall {
  /** The scope that lets the key make this call (null: none of the key's scopes reads anything). */
  scope: Scope | null;
  /** Path and query, e.g. "/v1/users?limit=5". */
  path: string;
  /** What it returns, for the text next to the snippets. */
  what: string;
  python: { module: string; fn: string; args: string };
  typescript: { path: string; query: string | null };
}

const USERS: Omit<FirstCall, "scope"> = {
  path: "/v1/users?limit=5",
  what: "the first five users of the organization",
  python: { module: "users", fn: "list_users", args: ", limit=5" },
  typescript: { path: "/v1/users", query: "{ limit: 5 }" },
};

/** Reads an API key may make, best first, by the scope they need. */
const READS: { scope: Scope; call: Omit<FirstCall, "scope"> }[] = [
  { scope: "users:read", call: USERS },
  {
    scope: "usage:read",
    call: {
      path: "/v1/usage/summary",
      what: "the organization's API usage of the last 24 hours",
      python: { module: "usage", fn: "get_usage_summary", args: "" },
      typescript: { path: "/v1/usage/summary", query: null },
    },
  },
  {
    scope: "admin",
    call: {
      path: "/v1/audit-events?limit=5",
      what: "the five newest audit log entries",
      python: { module: "audit", fn: "list_audit_events", args: ", limit=5" },
      typescript: { path: "/v1/audit-events", query: "{ limit: 5 }" },
    },
  },
];

/**
 * The first call for a key with `scopes`. A key with none of the reading
 * scopes (say only `jobs:write`) still authenticates with GET /v1/users, but
 * the answer is a 403 naming the missing scope (`scope` is null then).
 */
export function firstCallFor(scopes: readonly Scope[]): FirstCall {
  for (const r of READS) if (scopes.includes(r.scope)) return { scope: r.scope, ...r.call };
  return { scope: null, ...USERS };
}

/** A word for POSIX shells: single-quoted, a `'` inside written as `'\''`. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A string literal for Python and TypeScript alike: JSON's escapes (`\"`,
 * `\\`, `\n`, `\uXXXX`) mean the same in both. U+2028/2029 are escaped too
 * (old JavaScript engines end a line there).
 */
export function stringLiteral(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** The API base URL without trailing slashes. */
export function normalizeBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}

export function curlSnippet(key: string, baseUrl: string, call: FirstCall): string {
  return `curl -sS -H ${shellQuote(`X-API-Key: ${key}`)} ${shellQuote(normalizeBase(baseUrl) + call.path)}`;
}

export function pythonSnippet(key: string, baseUrl: string, call: FirstCall): string {
  const base = normalizeBase(baseUrl);
  return [
    "# pip install openapi-python-client httpx attrs python-dateutil",
    `# openapi-python-client generate --url ${base}/openapi.yaml --meta none --output-path qhub_client`,
    "# Save as first_call.py next to the qhub_client directory; run: python first_call.py",
    "from qhub_client import AuthenticatedClient",
    `from qhub_client.api.${call.python.module} import ${call.python.fn}`,
    "",
    "client = AuthenticatedClient(",
    `    base_url=${stringLiteral(base)},`,
    `    token=${stringLiteral(key)},`,
    '    prefix="",',
    '    auth_header_name="X-API-Key",',
    ")",
    `response = ${call.python.fn}.sync_detailed(client=client${call.python.args})`,
    "print(response.status_code, response.parsed)",
    "",
  ].join("\n");
}

export function typescriptSnippet(key: string, baseUrl: string, call: FirstCall): string {
  const base = normalizeBase(baseUrl);
  const options = call.typescript.query ? `, { params: { query: ${call.typescript.query} } }` : "";
  return [
    `// npm install openapi-fetch && npx openapi-typescript ${base}/openapi.yaml -o schema.ts`,
    "// Save as first-call.ts next to schema.ts; run: npx tsx first-call.ts",
    'import createClient from "openapi-fetch";',
    'import type { paths } from "./schema";',
    "",
    "const client = createClient<paths>({",
    `  baseUrl: ${stringLiteral(base)},`,
    `  headers: { "X-API-Key": ${stringLiteral(key)} },`,
    "});",
    `const { data, error, response } = await client.GET(${stringLiteral(call.typescript.path)}${options});`,
    "console.log(response.status, error ?? data);",
    "",
  ].join("\n");
}

export interface Snippets {
  call: FirstCall;
  curl: string;
  python: string;
  typescript: string;
}

export function snippetsFor(key: string, scopes: readonly Scope[], baseUrl: string): Snippets {
  const call = firstCallFor(scopes);
  return {
    call,
    curl: curlSnippet(key, baseUrl, call),
    python: pythonSnippet(key, baseUrl, call),
    typescript: typescriptSnippet(key, baseUrl, call),
  };
}
