// The shared form pieces: one message area per form, server field errors
// next to the field, and focus that goes to the first invalid field (or the
// message) instead of staying on the button or falling to <body>.
import { act, cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { ConfirmButton } from "../components/ConfirmButton";
import { SubmitButton, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { useForm } from "../lib/useForm";
import { pageTitle, usePageTitle } from "../lib/usePageTitle";
import { renderUi } from "./render";

type V = { name: string; email: string };

function Demo({ submit }: { submit: (v: V, succeed: (t: string) => void) => Promise<void> }) {
  const form = useForm<V>(
    { name: "", email: "" },
    (v) => (v.name.trim() ? {} : { name: "Name is required." }),
    (v) => submit(v, (t) => form.succeed(t)),
  );
  return (
    <form ref={form.ref} onSubmit={form.onSubmit} noValidate aria-label="Demo">
      <TextField label="Name" {...form.field("name")} />
      <TextField label="Email" {...form.field("email")} />
      <FormMessage message={form.message} />
      <SubmitButton submitting={form.submitting}>Save</SubmitButton>
    </form>
  );
}

afterEach(cleanup);

const save = () => fireEvent.click(screen.getByRole("button", { name: "Save" }));

describe("useForm + Field + FormMessage", () => {
  it("a client-side error focuses the first invalid field, which is described by its error", async () => {
    renderUi(<Demo submit={async () => undefined} />);
    save();
    const name = screen.getByLabelText("Name");
    await waitFor(() => expect(document.activeElement).toBe(name));
    expect(name.getAttribute("aria-invalid")).toBe("true");
    const describedBy = name.getAttribute("aria-describedby") ?? "";
    expect(describedBy.split(" ").map((id) => document.getElementById(id)?.textContent)).toContain("Name is required.");
    expect(screen.getByRole("alert").textContent).toBe("Please correct the highlighted fields.");
  });

  it("a server error naming a field goes next to it, and focus moves there", async () => {
    renderUi(
      <Demo
        submit={async () => {
          throw new ApiError({ status: 422, code: "validation_failed", detail: "x", fieldErrors: { email: "is already used" } });
        }}
      />,
    );
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Ada" } });
    save();
    const email = screen.getByLabelText("Email");
    await waitFor(() => expect(document.activeElement).toBe(email));
    expect(screen.getByText("is already used")).toBeTruthy();
  });

  it("a server error naming no field is the form's message, and focus moves to it", async () => {
    renderUi(
      <Demo
        submit={async () => {
          throw new ApiError({ status: 409, code: "conflict", detail: "An open invitation exists for this email." });
        }}
      />,
    );
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Ada" } });
    save();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("An open invitation exists for this email.");
    await waitFor(() => expect(document.activeElement).toBe(alert));
  });

  it("shows one message: a new submit clears the previous success before an error appears", async () => {
    let fail = false;
    renderUi(
      <Demo
        submit={async (_v, succeed) => {
          if (fail) throw new ApiError({ status: 409, code: "conflict", detail: "Refused." });
          succeed("Invitation sent.");
        }}
      />,
    );
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Ada" } });
    save();
    expect((await screen.findByRole("status")).textContent).toBe("Invitation sent.");
    await waitFor(() => expect(screen.getByRole("button", { name: "Save" }).getAttribute("aria-disabled")).toBeNull());
    fail = true;
    save();
    expect((await screen.findByRole("alert")).textContent).toBe("Refused.");
    expect(screen.queryByText("Invitation sent.")).toBeNull();
    expect(screen.getAllByTestId("form-message")).toHaveLength(1);
  });
});

describe("ConfirmButton", () => {
  function Row({ onConfirm }: { onConfirm: () => void }) {
    return (
      <section aria-labelledby="h">
        <h2 id="h">Keys</h2>
        <ConfirmButton label="Revoke" onConfirm={onConfirm} />
      </section>
    );
  }

  it("moves focus to the confirm button, and back to the button after Cancel", async () => {
    renderUi(<Row onConfirm={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Confirm revoke" })));
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Revoke" })));
  });

  it("when the action removes the button, focus goes to the section's heading, not <body>", async () => {
    function Removable() {
      const [gone, setGone] = useState(false);
      return (
        <section aria-labelledby="h">
          <h2 id="h">Keys</h2>
          {!gone && <ConfirmButton label="Revoke" onConfirm={() => setGone(true)} />}
        </section>
      );
    }
    renderUi(<Removable />);
    fireEvent.click(screen.getByRole("button", { name: "Revoke" }));
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Confirm revoke" }));
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Keys" })));
  });
});

describe("usePageTitle", () => {
  it("names the page, then the console", () => {
    function Page() {
      usePageTitle("Users");
      return null;
    }
    renderUi(<Page />);
    expect(document.title).toBe("Users · QHub console");
    expect(pageTitle()).toBe("QHub console");
  });
});
