import { describe, expect, it } from "vitest";
import { isApiOrigin } from "../lib/apiOrigin";

const API = "https://api.qhub.example";
const PAGE = "https://console.qhub.example/reference";

describe("isApiOrigin", () => {
  it("accepts URLs on the API's origin", () => {
    expect(isApiOrigin("https://api.qhub.example/v1/users", API)).toBe(true);
    expect(isApiOrigin("https://API.qhub.example:443/v1/users?x=1", API)).toBe(true);
    expect(isApiOrigin("http://127.0.0.1:8080/v1/auth/me", "http://127.0.0.1:8080")).toBe(true);
    expect(isApiOrigin("https://api.qhub.example/v1/users", "https://api.qhub.example/base/")).toBe(true);
  });

  it("refuses every other origin", () => {
    expect(isApiOrigin("https://evil.example/v1/users", API)).toBe(false);
    expect(isApiOrigin("http://api.qhub.example/v1/users", API)).toBe(false); // scheme
    expect(isApiOrigin("https://api.qhub.example:8443/v1/users", API)).toBe(false); // port
    expect(isApiOrigin("https://api.qhub.example.evil.example/v1", API)).toBe(false);
    expect(isApiOrigin("https://api.qhub.example@evil.example/v1", API)).toBe(false);
    expect(isApiOrigin("//evil.example/v1/users", API, PAGE)).toBe(false);
    expect(isApiOrigin("http://127.0.0.1:8081/v1/auth/me", "http://127.0.0.1:8080")).toBe(false);
  });

  it("resolves relative URLs against the page, not the API", () => {
    expect(isApiOrigin("/v1/users", API, PAGE)).toBe(false);
    expect(isApiOrigin("/v1/users", API, "https://api.qhub.example/docs")).toBe(true);
  });

  it("refuses what does not parse", () => {
    expect(isApiOrigin("not a url", API)).toBe(false);
    expect(isApiOrigin("https://api.qhub.example/v1", "")).toBe(false);
    expect(isApiOrigin("javascript:alert(1)", API, PAGE)).toBe(false);
  });
});
