import type { MouseEvent } from "react";

/** The id of the one <main> landmark (AppShell.Main or PublicShell's). */
export const MAIN_ID = "main";

/** Moves focus into the page's <main> (tabIndex=-1) and scrolls it into view. */
export function focusMain(): void {
  const main = document.getElementById(MAIN_ID);
  if (!main) return;
  main.focus({ preventScroll: true });
  main.scrollIntoView?.({ block: "start" });
}

/**
 * "Skip to content": the first focusable element of every page, hidden until
 * it has keyboard focus. Focuses #main without touching the router's URL.
 */
export function SkipLink() {
  const skip = (e: MouseEvent<HTMLAnchorElement>) => {
    e.preventDefault();
    focusMain();
  };
  return (
    <a className="skip-link" href={`#${MAIN_ID}`} onClick={skip}>
      Skip to content
    </a>
  );
}
