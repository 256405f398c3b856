import { useEffect } from "react";

export const APP_TITLE = "QHub console";

/** "Users" → "Users · QHub console"; no title → just the console's name. */
export function pageTitle(title?: string | null): string {
  const t = title?.trim();
  return t ? `${t} · ${APP_TITLE}` : APP_TITLE;
}

/**
 * Sets document.title for the current page. Every page calls it once, with
 * a fixed name ("Users") or, on a detail page, the object's name once it has
 * loaded (`usePageTitle(user.data?.name ?? "User")`).
 */
export function usePageTitle(title?: string | null): void {
  const full = pageTitle(title);
  useEffect(() => {
    document.title = full;
  }, [full]);
}
