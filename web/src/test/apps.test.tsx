// Apps and the registry: the upload helper (XMLHttpRequest with progress,
// the session's bearer token, one retry after a refresh), downloads (file
// name, declared and computed SHA-256), the markdown renderer (no raw HTML,
// no script URLs), the form rules (semver, slugs, tags, JSON Schemas) and
// the registry's search state in the URL with its debounce.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configureApi } from "../api/client";
import { ApiError } from "../api/problem";
import { clearAccessToken, setAccessToken } from "../api/tokenStore";
import { Markdown } from "../components/Markdown";
import {
  APP_SLUG_PATTERN,
  DESCRIPTION_MAX,
  LICENSE_PATTERN,
  README_MAX,
  RELEASE_NOTES_MAX,
  REVIEW_CONTENT_MAX,
  SEMVER_PATTERN,
  TAG_PATTERN,
  URL_MAX,
  appSlugFrom,
  formatBytes,
  parseJsonSchema,
  parseTags,
  validateAppForm,
  validateAppSlug,
  validateJsonSchema,
  validateSemver,
  validateTags,
  validateUrl,
  validateVersionForm,
} from "../lib/apps";
import { filenameFromDisposition, savePackage, sha256FromHeaders, sha256Hex } from "../lib/download";
import {
  EMPTY_FILTERS,
  effectiveSort,
  filtersFromParams,
  paramsFromFilters,
  registryQuery,
  useRegistryFilters,
} from "../lib/registrySearch";
import { parseXhrHeaders, progressOf, uploadPackage, type UploadProgress } from "../lib/upload";
import { renderUi } from "./render";
import { SPEC_PATH } from "./spec";

afterEach(() => {
  cleanup();
  clearAccessToken();
  vi.useRealTimers();
});

// --- upload -------------------------------------------------------------------

/** A scripted XMLHttpRequest: records what was sent, then plays `steps`. */
class FakeXhr {
  static sent: FakeXhr[] = [];
  static answers: { status: number; body: unknown; progress?: number[] }[] = [];
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown = null;
  withCredentials = false;
  status = 0;
  responseText = "";
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  getAllResponseHeaders() {
    return "content-type: application/json\r\nx-request-id: req-1\r\n";
  }
  abort() {
    this.onabort?.();
  }
  send(body: unknown) {
    this.body = body;
    FakeXhr.sent.push(this);
    const answer = FakeXhr.answers.shift() ?? { status: 500, body: null };
    const size = (body as Blob).size;
    queueMicrotask(() => {
      for (const loaded of answer.progress ?? []) {
        this.upload.onprogress?.({ loaded, total: size, lengthComputable: true } as ProgressEvent);
      }
      this.status = answer.status;
      this.responseText = answer.body === null ? "" : JSON.stringify(answer.body);
      this.onload?.();
    });
  }
}
const fakeXhr = () => new FakeXhr() as unknown as XMLHttpRequest;

describe("package upload", () => {
  beforeEach(() => {
    FakeXhr.sent = [];
    FakeXhr.answers = [];
    configureApi("http://api.test/base/");
  });

  it("PUTs the raw file with the bearer token and reports progress up to 100 %", async () => {
    setAccessToken("tok-1", 900);
    const file = new File([new Uint8Array(1000)], "bench.zip", { type: "application/zip" });
    FakeXhr.answers.push({ status: 200, body: { id: "v1", package: { size: 1000 } }, progress: [0, 250, 999, 1000] });
    const seen: UploadProgress[] = [];
    const out = await uploadPackage<{ id: string }>("app 1", "v1", file, (p) => seen.push(p), { xhr: fakeXhr });
    expect(out).toEqual({ id: "v1", package: { size: 1000 } });
    const x = FakeXhr.sent[0]!;
    expect(x.method).toBe("PUT");
    expect(x.url).toBe("http://api.test/base/v1/apps/app%201/versions/v1/package");
    expect(x.headers.authorization).toBe("Bearer tok-1");
    expect(x.headers["content-type"]).toBe("application/zip");
    expect(x.withCredentials).toBe(true);
    expect(x.body).toBe(file);
    // Held below 100 until the server has answered, then 100.
    expect(seen.map((p) => p.percent)).toEqual([0, 25, 99, 99, 100]);
  });

  it("sends application/octet-stream for a file without a type", async () => {
    FakeXhr.answers.push({ status: 200, body: {} });
    await uploadPackage("a", "v", new Blob(["x"]), undefined, { xhr: fakeXhr });
    expect(FakeXhr.sent[0]!.headers["content-type"]).toBe("application/octet-stream");
    expect(FakeXhr.sent[0]!.headers.authorization).toBeUndefined();
  });

  it("turns a refusal into an ApiError with the server's words", async () => {
    FakeXhr.answers.push({ status: 413, body: { type: "about:blank", title: "too large", status: 413, code: "payload_too_large", detail: "The package is over 50 MiB." } });
    const err = await uploadPackage("a", "v", new Blob(["x"]), undefined, { xhr: fakeXhr }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(413);
    expect((err as ApiError).detail).toBe("The package is over 50 MiB.");
    expect((err as ApiError).requestId).toBe("req-1");
  });

  it("refreshes once after a 401 and sends the file again with the new token", async () => {
    setAccessToken("old", 900);
    FakeXhr.answers.push({ status: 401, body: null }, { status: 200, body: { ok: true } });
    const refresh = vi.fn(async () => {
      setAccessToken("new", 900);
      return true;
    });
    await uploadPackage("a", "v", new Blob(["x"]), undefined, { xhr: fakeXhr, refresh });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(FakeXhr.sent.map((x) => x.headers.authorization)).toEqual(["Bearer old", "Bearer new"]);
  });

  it("does not retry when the refresh fails", async () => {
    FakeXhr.answers.push({ status: 401, body: null });
    const err = await uploadPackage("a", "v", new Blob(["x"]), undefined, { xhr: fakeXhr, refresh: async () => false }).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(401);
    expect(FakeXhr.sent).toHaveLength(1);
  });

  it("computes percentages and parses response headers", () => {
    expect(progressOf(0, 0).percent).toBe(0);
    expect(progressOf(50, 200).percent).toBe(25);
    expect(progressOf(200, 200).percent).toBe(99);
    const h = parseXhrHeaders("ETag: \"abc\"\r\nContent-Type: text/plain\r\nbroken line\r\n");
    expect(h.get("etag")).toBe('"abc"');
    expect(h.get("content-type")).toBe("text/plain");
  });
});

// --- download -------------------------------------------------------------------

describe("package download", () => {
  const ABC_SHA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const ABC_B64 = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";

  it("reads the file name from Content-Disposition (filename* first, no paths)", () => {
    expect(filenameFromDisposition('attachment; filename="teleport-1.0.0.zip"')).toBe("teleport-1.0.0.zip");
    expect(filenameFromDisposition("attachment; filename=plain.bin")).toBe("plain.bin");
    expect(filenameFromDisposition("attachment; filename=\"x.zip\"; filename*=UTF-8''t%C3%A9l%C3%A9port.zip")).toBe("téléport.zip");
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"')).toBe("passwd");
    expect(filenameFromDisposition("attachment")).toBeNull();
    expect(filenameFromDisposition(null)).toBeNull();
  });

  it("reads the declared SHA-256 from ETag, Repr-Digest or Digest", () => {
    expect(sha256FromHeaders(new Headers({ etag: `"${ABC_SHA.toUpperCase()}"` }))).toBe(ABC_SHA);
    expect(sha256FromHeaders(new Headers({ "repr-digest": `sha-256=:${ABC_B64}:` }))).toBe(ABC_SHA);
    expect(sha256FromHeaders(new Headers({ digest: `sha-256=${ABC_B64}` }))).toBe(ABC_SHA);
    expect(sha256FromHeaders(new Headers({ etag: '"v1"' }))).toBeNull();
    expect(sha256FromHeaders(new Headers())).toBeNull();
  });

  it("computes the SHA-256 of the bytes and saves under the server's name or <slug>-<version>", async () => {
    expect(await sha256Hex(new Blob(["abc"]))).toBe(ABC_SHA);
    const save = vi.fn();
    const named = await savePackage(new Blob(["abc"]), new Headers({ etag: `"${ABC_SHA}"`, "content-disposition": 'attachment; filename="t.zip"' }), "teleport-1.0.0", save);
    expect(named).toEqual({ filename: "t.zip", size: 3, sha256: ABC_SHA, declared: ABC_SHA });
    // CORS may hide the headers: the computed digest is still shown.
    const plain = await savePackage(new Blob(["abc"]), new Headers(), "teleport-1.0.0", save);
    expect(plain).toMatchObject({ filename: "teleport-1.0.0", sha256: ABC_SHA, declared: null });
    expect(save).toHaveBeenCalledTimes(2);
  });

  it("refuses to save bytes whose digest differs from the declared one", async () => {
    const save = vi.fn();
    await expect(savePackage(new Blob(["abd"]), new Headers({ etag: `"${ABC_SHA}"` }), "x", save)).rejects.toThrow(/damaged/);
    expect(save).not.toHaveBeenCalled();
  });
});

// --- markdown -------------------------------------------------------------------

describe("markdown", () => {
  it("renders markdown with headings below the page's own", () => {
    const { container } = renderUi(<Markdown>{"# Teleport\n\nSome **bold** text and `code`.\n\n- one\n- two"}</Markdown>);
    expect(container.querySelector("h3")?.textContent).toBe("Teleport");
    expect(container.querySelector("h1")).toBeNull();
    expect(container.querySelector("strong")?.textContent).toBe("bold");
    expect(container.querySelectorAll("li")).toHaveLength(2);
  });

  it("refuses raw HTML: no script, no event handler, no iframe, no style", () => {
    const evil = [
      "<script>window.pwned = 1</script>",
      '<img src="x" onerror="window.pwned = 1">',
      '<iframe src="https://evil.test"></iframe>',
      '<div style="position:fixed">overlay</div>',
      "<a href=\"https://evil.test\" onclick=\"window.pwned=1\">click</a>",
    ].join("\n\n");
    const { container } = renderUi(<Markdown>{evil}</Markdown>);
    const md = container.querySelector(".markdown")!;
    expect(md.querySelector("script, iframe, img, [onerror], [onclick], [style]")).toBeNull();
    expect(md.innerHTML).not.toMatch(/<script|onerror|onclick|<iframe/i);
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
  });

  it("drops script URLs and turns images into links (nothing loads from elsewhere)", () => {
    const { container } = renderUi(<Markdown>{"[x](javascript:alert(1)) [ok](https://qhub.test/docs) ![diagram](https://cdn.test/d.png)"}</Markdown>);
    const links = [...container.querySelectorAll("a")];
    expect(links.find((a) => a.textContent === "x")?.getAttribute("href") ?? "").not.toMatch(/javascript/i);
    const ok = links.find((a) => a.textContent === "ok")!;
    expect(ok.getAttribute("href")).toBe("https://qhub.test/docs");
    expect(ok.getAttribute("rel")).toContain("noopener");
    expect(container.querySelector("img")).toBeNull();
    expect(links.find((a) => a.textContent === "Image: diagram")?.getAttribute("href")).toBe("https://cdn.test/d.png");
  });
});

// --- rules ------------------------------------------------------------------------

describe("app and version rules", () => {
  it("accepts semantic versions and refuses the rest", () => {
    for (const ok of ["1.0.0", "0.1.0", "10.20.30", "2.0.0-rc.1", "1.0.0-alpha.beta", "1.0.0-0.3.7"]) {
      expect(validateSemver(ok), ok).toBeNull();
    }
    expect(validateSemver("")).toMatch(/required/);
    expect(validateSemver("v1.0.0")).toMatch(/Leave out/);
    for (const bad of ["1", "1.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0 beta", "1.0.0.0", "a.b.c", "1.0.0+build.5"]) {
      expect(validateSemver(bad), bad).toMatch(/semantic version/);
    }
  });

  it("checks app slugs, tags, URLs and JSON Schemas as the server does", () => {
    expect(validateAppSlug("teleport-bench")).toBeNull();
    expect(validateAppSlug("ab")).toMatch(/3–40/);
    expect(validateAppSlug("-bad")).toMatch(/lowercase/);
    expect(validateAppSlug("Bad")).toMatch(/lowercase/);
    expect(appSlugFrom("Teleportation Benchmark Suite!")).toBe("teleportation-benchmark-suite");
    expect(parseTags("Quantum, benchmark  teleport,quantum,")).toEqual(["quantum", "benchmark", "teleport"]);
    expect(validateTags("a,b,c")).toBeNull();
    expect(validateTags(Array.from({ length: 11 }, (_, i) => `t${i}`).join(","))).toMatch(/At most 10/);
    expect(validateTags("-x")).toMatch(/not a tag/);
    expect(validateUrl("")).toBeNull();
    expect(validateUrl("https://github.com/x/y")).toBeNull();
    expect(validateUrl("javascript:alert(1)")).toMatch(/https/);
    expect(validateUrl("github.com/x")).toMatch(/full address/);
    expect(parseJsonSchema("")).toBeUndefined();
    expect(parseJsonSchema('{"type":"object"}')).toEqual({ type: "object" });
    expect(validateJsonSchema("{nope")).toMatch(/Not valid JSON/);
    expect(validateJsonSchema("[1]")).toMatch(/object/);
    expect(validateJsonSchema(`{"x":"${"a".repeat(70_000)}"}`)).toMatch(/64 KiB/);
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(300_000)).toBe("300.0 KB");
  });

  it("validates whole forms with the request's field names", () => {
    expect(
      validateAppForm({
        name: "",
        slug: "x",
        type: "algorithm",
        visibility: "public",
        license: "MIT license",
        documentation_url: "ftp://x",
        repository_url: "",
        tags: "",
        description: "",
        readme: "",
      }),
    ).toEqual({
      name: expect.any(String),
      slug: expect.any(String),
      license: expect.any(String),
      documentation_url: expect.any(String),
    });
    expect(
      Object.keys(validateVersionForm({ version: "1.0", sdk: "qiskit", qubits: "0", input_schema: "", output_schema: "{", release_notes: "" })),
    ).toEqual(["version", "qubits", "output_schema"]);
  });
});

describe("the apps rules agree with openapi.yaml", () => {
  const schemas = (parse(readFileSync(SPEC_PATH, "utf8")) as { components: { schemas: Record<string, { pattern?: string; maxLength?: number }> } })
    .components.schemas;
  it.each([
    ["AppSlug", APP_SLUG_PATTERN],
    ["SemVer", SEMVER_PATTERN],
    ["Tag", TAG_PATTERN],
    ["SpdxLicense", LICENSE_PATTERN],
  ])("%s has the same pattern", (name, re) => {
    expect(schemas[name]?.pattern).toBe(re.source);
  });
  it.each([
    ["Description", DESCRIPTION_MAX],
    ["Markdown", README_MAX],
    ["ReleaseNotes", RELEASE_NOTES_MAX],
    ["ReviewText", REVIEW_CONTENT_MAX],
    ["HttpUrl", URL_MAX],
  ])("%s has the same length limit", (name, max) => {
    expect(schemas[name]?.maxLength).toBe(max);
  });
});

// --- registry search state --------------------------------------------------------

describe("registry search state", () => {
  it("reads and writes the URL, dropping unknown values", () => {
    const f = filtersFromParams(new URLSearchParams("q=teleport&type=algorithm&sdk=nope&tag=Bench&sort=rating&license=MIT"));
    expect(f).toEqual({ q: "teleport", type: "algorithm", sdk: "", tag: "bench", license: "MIT", sort: "rating" });
    expect(paramsFromFilters(f).toString()).toBe("q=teleport&type=algorithm&tag=bench&license=MIT&sort=rating");
    expect(paramsFromFilters(EMPTY_FILTERS).toString()).toBe("");
  });

  it("builds the server query; relevance without text is the default sort", () => {
    expect(registryQuery({ ...EMPTY_FILTERS, q: " teleportaton ", sdk: "qiskit" }, "c1")).toEqual({ limit: 25, cursor: "c1", q: "teleportaton", sdk: "qiskit" });
    expect(registryQuery({ ...EMPTY_FILTERS, sort: "relevance" }, undefined)).toEqual({ limit: 25 });
    expect(registryQuery({ ...EMPTY_FILTERS, sort: "downloads" }, undefined)).toEqual({ limit: 25, sort: "downloads" });
    expect(effectiveSort({ q: "", sort: "" })).toBe("recent");
    expect(effectiveSort({ q: "x", sort: "" })).toBe("relevance");
    expect(effectiveSort({ q: "", sort: "relevance" })).toBe("recent");
  });

  function Probe() {
    const { filters, text, setText, update } = useRegistryFilters(300);
    const location = useLocation();
    return (
      <div>
        <input aria-label="search" value={text} onChange={(e) => setText(e.currentTarget.value)} />
        <button onClick={() => update({ type: "circuit" })}>circuit</button>
        <output data-testid="url">{location.search}</output>
        <output data-testid="q">{filters.q}</output>
      </div>
    );
  }

  it("puts the search text in the URL only once typing pauses", () => {
    vi.useFakeTimers();
    render(
      <MemoryRouter initialEntries={["/registry?sort=downloads"]}>
        <Routes>
          <Route path="/registry" element={<Probe />} />
        </Routes>
      </MemoryRouter>,
    );
    const box = screen.getByLabelText("search");
    fireEvent.change(box, { target: { value: "tele" } });
    act(() => vi.advanceTimersByTime(150));
    fireEvent.change(box, { target: { value: "teleportaton" } });
    act(() => vi.advanceTimersByTime(150));
    // Still typing: the URL (and so the query) has not moved.
    expect(screen.getByTestId("url").textContent).toBe("?sort=downloads");
    act(() => vi.advanceTimersByTime(200));
    expect(screen.getByTestId("url").textContent).toBe("?q=teleportaton&sort=downloads");
    expect(screen.getByTestId("q").textContent).toBe("teleportaton");
    // Other filters apply at once and keep the text.
    fireEvent.click(screen.getByText("circuit"));
    expect(screen.getByTestId("url").textContent).toBe("?q=teleportaton&type=circuit&sort=downloads");
  });
});
