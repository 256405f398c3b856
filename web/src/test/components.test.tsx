import { screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { QueryView } from "../components/States";
import { renderUi } from "./render";

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
