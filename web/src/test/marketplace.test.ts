import { describe, expect, it } from "vitest";
import { formatMoney, minorToInput, parseMoney } from "../lib/money";
import { SseParser, type SseEvent } from "../lib/sse";

describe("formatMoney", () => {
  it("integer minor units with the currency code and two decimals", () => {
    expect(formatMoney(4900, "USD")).toBe("USD 49.00");
    expect(formatMoney(25, "EUR")).toBe("EUR 0.25");
    expect(formatMoney(5, "GBP")).toBe("GBP 0.05");
    expect(formatMoney(0, "CHF")).toBe("CHF 0.00");
    expect(formatMoney(123456789, "USD")).toBe("USD 1,234,567.89");
  });
  it("exact for large amounts and bigints, with a sign when negative", () => {
    expect(formatMoney(100000000000, "USD")).toBe("USD 1,000,000,000.00");
    expect(formatMoney(9007199254740993n, "USD")).toBe("USD 90,071,992,547,409.93");
    expect(formatMoney(-150, "USD")).toBe("USD -1.50");
  });
});

describe("parseMoney", () => {
  it("reads what a person types into minor units", () => {
    expect(parseMoney("49")).toBe(4900);
    expect(parseMoney("49.5")).toBe(4950);
    expect(parseMoney(" 0.25 ")).toBe(25);
    expect(parseMoney("1,234.00")).toBe(123400);
    expect(parseMoney("0.1")).toBe(10);
    // 0.29 in floating point is 28.999…: never rounded through a float.
    expect(parseMoney("0.29")).toBe(29);
  });
  it("refuses anything else", () => {
    for (const bad of ["", "-1", "1.234", "abc", "1e3", "."]) expect(parseMoney(bad), bad).toBeNull();
  });
  it("round-trips through the input form", () => {
    expect(minorToInput(123456, "EUR")).toBe("1234.56");
    expect(parseMoney(minorToInput(4900))).toBe(4900);
  });
});

function feedAll(parts: string[]): SseEvent[] {
  const p = new SseParser();
  return parts.flatMap((c) => p.feed(c));
}

describe("SseParser", () => {
  it("parses events split mid-line across chunks", () => {
    const events = feedAll(["eve", "nt: rea", "dy\nda", "ta: {}\n", "\n", "event: notification\ndata: {\"id\":", "\"n1\"}", "\n\n"]);
    expect(events).toEqual([
      { event: "ready", data: "{}" },
      { event: "notification", data: '{"id":"n1"}' },
    ]);
  });

  it("several events in one chunk, and nothing before the blank line", () => {
    const p = new SseParser();
    expect(p.feed("event: notification\ndata: 1\n")).toEqual([]);
    expect(p.feed("\nevent: notification\ndata: 2\n\nevent: ready\ndata: x\n\n")).toEqual([
      { event: "notification", data: "1" },
      { event: "notification", data: "2" },
      { event: "ready", data: "x" },
    ]);
  });

  it("ignores comments (the keep-alive) and events without data", () => {
    expect(feedAll([": keep-alive\n\n", ":\n", "event: ready\n\n", "data: a\n: in between\ndata: b\n\n"])).toEqual([{ event: "message", data: "a\nb" }]);
  });

  it("CRLF and CR line ends, even when a CRLF is split between chunks", () => {
    expect(feedAll(["event: notification\r", "\ndata: x\r\n\r", "\n", "data:y\r\r"])).toEqual([
      { event: "notification", data: "x" },
      { event: "message", data: "y" },
    ]);
  });

  it("keeps the id and drops only one leading space of a value", () => {
    expect(feedAll(["id: 7\ndata:  two spaces\n\n"])).toEqual([{ event: "message", data: " two spaces", id: "7" }]);
  });
});

describe("plans editor values", () => {
  it("validates names, prices and shots, and sends integer minor units", async () => {
    const { emptyPlan, plansFromForm, validatePlans } = await import("../lib/marketplace");
    const ok = { ...emptyPlan(), name: "Starter", price: "49", included_shots: "100000", overage: "0.25" };
    expect(validatePlans([ok]).errors).toEqual([{}]);
    expect(plansFromForm([ok])).toEqual([
      { name: "Starter", price: 4900, currency: "USD", period: "month", included_shots: 100000, overage_price_per_1000_shots: 25 },
    ]);
    const bad = validatePlans([ok, { ...ok, name: "starter", price: "4.999", included_shots: "-1", overage: "x" }]);
    expect(bad.errors[1]).toEqual({
      name: "Two plans have this name.",
      price: "A price like 49 or 49.00.",
      included_shots: "A whole number of shots.",
      overage: "A price like 0.25.",
    });
    expect(validatePlans([]).form).toBe("Add at least one plan.");
  });

  it("checks a plan's name like every other display name (1–200 characters, nothing invisible)", async () => {
    const { emptyPlan, validatePlans } = await import("../lib/marketplace");
    const { NAME_MAX, validateName } = await import("../lib/validation");
    const plan = (name: string) => ({ ...emptyPlan(), name, price: "49" });
    expect(NAME_MAX).toBe(200);
    expect(validatePlans([plan("x".repeat(200))]).errors[0]).toEqual({});
    expect(validatePlans([plan("x".repeat(201))]).errors[0]!.name).toBe("Plan name must be at most 200 characters.");
    expect(validatePlans([plan("   ")]).errors[0]!.name).toBe("Plan name is required.");
    expect(validatePlans([plan("Pro\u200b")]).errors[0]!.name).toBe("Plan name must not contain control or invisible characters.");
    expect(validatePlans([plan("x".repeat(201))]).errors[0]!.name).toBe(validateName("x".repeat(201), "Plan name"));
  });

  it("labels a month in UTC", async () => {
    const { monthLabel, planPrice } = await import("../lib/marketplace");
    expect(monthLabel("2026-12-01T00:00:00Z")).toBe("December 2026");
    expect(monthLabel("2027-01")).toBe("January 2027");
    expect(planPrice({ price: 990000, currency: "CHF", period: "year" })).toBe("CHF 9,900.00 / year");
  });
});

describe("notification stream helpers", () => {
  it("backs off 1 s, 2 s, 4 s … up to 30 s", async () => {
    const { backoffMs } = await import("../api/notifications");
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffMs(n, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffMs(0, () => 0)).toBe(800);
    expect(backoffMs(0, () => 1)).toBe(1200);
  });

  it("links a notification to what it is about", async () => {
    const { notificationLink } = await import("../components/NotificationBell");
    expect(notificationLink({ type: "bill.issued", data: { bill_id: "b1" } })).toBe("/bills/b1");
    expect(notificationLink({ type: "job.failed", data: { job_id: "j1" } })).toBe("/jobs/j1");
    expect(notificationLink({ type: "subscription.trial_ending", data: { subscription_id: "s1" } })).toBe("/subscriptions/s1");
    expect(notificationLink({ type: "invitation.accepted", data: {} })).toBeNull();
  });
});

describe("readNotificationStream", () => {
  it("sends the bearer token, reads the body as it streams, and hands over each event", async () => {
    const { vi } = await import("vitest");
    const { configureApi } = await import("../api/client");
    const { clearAccessToken, setAccessToken } = await import("../api/tokenStore");
    const { readNotificationStream } = await import("../api/notifications");
    const chunks = ["event: ready\nda", "ta: {}\n\n: keep-alive\n\nevent: notif", 'ication\ndata: {"id":"n1"}\n\nevent: notification\ndata: {"id":"n2"}\n\n'];
    const fetchMock = vi.fn(async (_req: Request) => {
      const enc = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (const chunk of chunks) c.enqueue(enc.encode(chunk));
          c.close();
        },
      });
      return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
    });
    vi.stubGlobal("fetch", fetchMock);
    try {
      configureApi("http://api.test/");
      setAccessToken("tok", 600);
      const seen: string[] = [];
      await readNotificationStream(new AbortController().signal, (e) => seen.push(`${e.event}:${e.data}`));
      expect(seen).toEqual(["ready:{}", 'notification:{"id":"n1"}', 'notification:{"id":"n2"}']);
      const req = fetchMock.mock.calls[0]![0];
      expect(req.url).toBe("http://api.test/v1/notifications/stream");
      expect(req.headers.get("accept")).toBe("text/event-stream");
      expect(req.headers.get("authorization")).toBe("Bearer tok");
    } finally {
      clearAccessToken();
      vi.unstubAllGlobals();
    }
  });
});

describe("subscription key form", () => {
  const values = (name: string) => ({ name, remaining_usage_count: "1000", expires_at: "", rate_limit_per_minute: "600" });

  it("checks the key's name like every other display name (1–200 characters, nothing invisible)", async () => {
    const { validateKeyForm } = await import("../pages/SubscriptionDetail");
    expect(validateKeyForm(values("ci"))).toEqual({});
    expect(validateKeyForm(values("k".repeat(200)))).toEqual({});
    expect(validateKeyForm(values("k".repeat(201))).name).toBe("Key name must be at most 200 characters.");
    expect(validateKeyForm(values(" ")).name).toBe("Key name is required.");
    expect(validateKeyForm(values("ci\u0007")).name).toBe("Key name must not contain control or invisible characters.");
  });

  it("checks uses and the rate limit", async () => {
    const { validateKeyForm } = await import("../pages/SubscriptionDetail");
    expect(validateKeyForm({ ...values("ci"), remaining_usage_count: "-1" }).remaining_usage_count).toBe("A whole number of uses.");
    expect(validateKeyForm({ ...values("ci"), rate_limit_per_minute: "0" }).rate_limit_per_minute).toBe("1 to 100,000 requests a minute.");
  });
});
