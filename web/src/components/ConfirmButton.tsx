// A destructive action that asks once more inline ("Revoke" → "Confirm
// revoke" / "Cancel") instead of a browser dialog. Focus never falls to
// <body>: asking focuses the confirm button, Cancel returns to the button,
// confirming keeps focus on it (it says "Working…" and ignores clicks while
// busy instead of becoming disabled, which would drop focus), and if the
// action removes the button (a revoked row disappears) focus goes to the
// heading of the enclosing section — or `focusAfter()` when given.
import { Button, Group, type ButtonProps } from "@mantine/core";
import { useEffect, useLayoutEffect, useRef, useState, type FocusEvent } from "react";
import { focusMain } from "./SkipLink";

/**
 * Focus something sensible in `container` (the section an element that is
 * leaving the page lived in): its message area or heading; else <main>.
 */
export function focusNear(container: Element | null): void {
  const section = container?.isConnected ? container : null;
  const heading =
    section?.querySelector<HTMLElement>("[data-form-message]") ?? section?.querySelector<HTMLElement>("h1, h2, h3");
  const target = heading?.isConnected ? heading : null;
  if (target) {
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  } else {
    focusMain();
  }
}

export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  disabled,
  busy,
  color = "red",
  focusAfter,
  size = "xs",
}: {
  label: string;
  confirmLabel?: string;
  onConfirm: () => void;
  disabled?: boolean;
  busy?: boolean;
  color?: ButtonProps["color"];
  /** Where focus goes if this button is gone after the action. */
  focusAfter?: () => void;
  size?: ButtonProps["size"];
}) {
  const [asking, setAsking] = useState(false);
  const mainRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  // What to focus next render: the confirm button after asking, the button after answering.
  const pending = useRef<"confirm" | "main" | null>(null);
  const section = useRef<Element | null>(null);

  useLayoutEffect(() => {
    if (pending.current === "confirm") confirmRef.current?.focus();
    else if (pending.current === "main") mainRef.current?.focus();
    pending.current = null;
  }, [asking]);

  // Unmounted while focused (e.g. the row it lived in was removed): focus
  // near it instead of leaving focus on <body>.
  const focusAfterRef = useRef(focusAfter);
  focusAfterRef.current = focusAfter;
  const hasFocus = useRef(false);
  useEffect(() => {
    const el = mainRef.current ?? confirmRef.current;
    if (el) section.current = el.closest("section, form, [data-focus-fallback]");
  });
  useEffect(
    () => () => {
      if (!hasFocus.current) return;
      const near = section.current;
      requestAnimationFrame(() => {
        if (document.activeElement && document.activeElement !== document.body) return;
        if (focusAfterRef.current) focusAfterRef.current();
        else focusNear(near);
      });
    },
    [],
  );
  const track = {
    onFocus: () => {
      hasFocus.current = true;
    },
    // Focus moved to something else (a removed element's blur has no relatedTarget).
    onBlur: (e: FocusEvent) => {
      if (e.relatedTarget) hasFocus.current = false;
    },
  };

  if (!asking) {
    return (
      <Button
        ref={mainRef}
        variant="outline"
        color={color}
        size={size}
        disabled={disabled}
        aria-disabled={busy || undefined}
        {...track}
        onClick={() => {
          if (busy) return;
          pending.current = "confirm";
          setAsking(true);
        }}
      >
        {busy ? "Working…" : label}
      </Button>
    );
  }
  return (
    <Group gap="xs" wrap="nowrap" component="span">
      <Button
        ref={confirmRef}
        {...track}
        variant="filled"
        color={color}
        size={size}
        onClick={() => {
          pending.current = "main";
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel ?? `Confirm ${label.toLowerCase()}`}
      </Button>
      <Button
        {...track}
        variant="default"
        size={size}
        onClick={() => {
          pending.current = "main";
          setAsking(false);
        }}
      >
        Cancel
      </Button>
    </Group>
  );
}
