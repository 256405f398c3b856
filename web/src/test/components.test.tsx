import { screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { QueryView } from "../components/States";
import { UsageChart } from "../components/UsageChart";
import { shapeUsage } from "../lib/usage";
import { renderUi } from "./render";

describe("UsageChart", () => {
  it("draws a bar per bucket and exposes the totals", () => {
    const data = shapeUsage(
      [0, 1, 2].map((h) => ({
        start: `2026-01-01T0${h}:00:00Z`,
        events: h * 10,
        quantities: {},
        requests: h * 10,
        errors_4xx: h,
        errors_5xx: 0,
        p50_us: 0,
        p95_us: 0,
        p99_us: 0,
        request_bytes: 0,
        response_bytes: 0,
      })),
    );
    const { container } = renderUi(<UsageChart data={data} interval="hour" />);
    expect(screen.getByTestId("usage-total-requests").textContent).toBe("30");
    expect(screen.getByTestId("usage-total-errors").textContent).toBe("3");
    expect(container.querySelectorAll("rect.bar-requests")).toHaveLength(3);
    expect(screen.getByRole("img").getAttribute("aria-label")).toContain("30 requests");
  });
});

describe("QueryView", () => {
  const base = { refetch: () => undefined };
  it("shows the not-found page when the API answered 404", () => {
    renderUi(
      <MemoryRouter>
        <QueryView query={{ ...base, data: undefined, isPending: false, error: new ApiError({ status: 404, code: "not_found", detail: "x" }) }}>
          {() => <p>data</p>}
        </QueryView>
      </MemoryRouter>,
    );
    expect(screen.getByTestId("not-found")).toBeTruthy();
  });
  it("shows errors in words with a retry button", () => {
    renderUi(
      <QueryView query={{ ...base, data: undefined, isPending: false, error: new ApiError({ status: 403, code: "forbidden", detail: "Admins only." }) }}>
        {() => <p>data</p>}
      </QueryView>,
    );
    expect(screen.getByRole("alert").textContent).toContain("Admins only.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });
  it("shows loading, then data", () => {
    const { rerender } = renderUi(<QueryView query={{ ...base, data: undefined, isPending: true, error: null }}>{(d: string) => <p>{d}</p>}</QueryView>);
    expect(screen.getByRole("status").textContent).toMatch(/Loading/);
    rerender(<QueryView query={{ ...base, data: "hello", isPending: false, error: null }}>{(d: string) => <p>{d}</p>}</QueryView>);
    expect(screen.getByText("hello")).toBeTruthy();
  });
});
