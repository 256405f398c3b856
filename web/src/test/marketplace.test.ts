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
