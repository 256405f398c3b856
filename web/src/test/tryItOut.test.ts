import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { apiKeyInterceptor, getTryItOutKey, setTryItOutKey } from "../lib/tryItOut";

const API = "https://api.qhub.example";
const PAGE = "https://console.qhub.example/reference";

describe("apiKeyInterceptor (swagger-ui requestInterceptor)", () => {
  it("sends the pasted key as X-API-Key to the API", () => {
    const req = apiKeyInterceptor({ url: `${API}/v1/users`, headers: {} as Record<string, string> }, " qh_live_k ", API, PAGE);
    expect(req.headers).toEqual({ "X-API-Key": "qh_live_k" });
  });

  it("removes any Authorization header, whatever its case", () => {
    const req = apiKeyInterceptor(
      { url: `${API}/v1/users`, headers: { Authorization: "Bearer session-jwt", authorization: "Bearer x", "x-api-key": "old" } },
      "qh_live_k",
      API,
      PAGE,
    );
    expect(req.headers).toEqual({ "X-API-Key": "qh_live_k" });
  });

  it("without a pasted key, sends no Authorization (a key from swagger's own dialog stays)", () => {
    expect(apiKeyInterceptor({ url: `${API}/v1/users`, headers: { Authorization: "Bearer jwt" } }, "", API, PAGE).headers).toEqual({});
    expect(apiKeyInterceptor({ url: `${API}/v1/users`, headers: { "X-API-Key": "mine" } }, "", API, PAGE).headers).toEqual({ "X-API-Key": "mine" });
  });

  it("sends no credential to an edited server URL", () => {
    const req = apiKeyInterceptor(
      { url: "https://attacker.example/v1/users", headers: { "X-API-Key": "mine", Authorization: "Bearer jwt" } },
      "qh_live_k",
      API,
      PAGE,
    );
    expect(req.headers).toEqual({});
  });

  it("keeps the key in memory only (trimmed), not in web storage", () => {
    setTryItOutKey("  qh_live_z ");
    expect(getTryItOutKey()).toBe("qh_live_z");
    expect(sessionStorage.length).toBe(0);
    expect(localStorage.length).toBe(0);
    setTryItOutKey("");
  });

  it("the reference page never reads the session token", () => {
    const src = readFileSync(resolve(__dirname, "../pages/Reference.tsx"), "utf8");
    expect(src).not.toMatch(/getAccessToken|tokenStore|preauthorize/i);
    expect(src).toContain("apiKeyInterceptor");
  });
});
