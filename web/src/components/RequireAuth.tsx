import type { ReactNode } from "react";
import { Navigate, useLocation, useSearchParams } from "react-router";
import { useAuth } from "../auth/AuthContext";
import { Alert } from "@mantine/core";
import { PublicShell } from "./PublicShell";
import { Loading } from "./States";

/** Where to go after logging in: the page the user was sent away from. */
export function loginPathFor(location: { pathname: string; search: string; hash: string }): string {
  const here = `${location.pathname}${location.search}${location.hash}`;
  return here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`;
}

/** Only a same-origin path is an acceptable `next` (no open redirect). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}

/** What a page shows while the session is being restored (and why it takes long). */
export function RestoringSession() {
  const { retryingIn } = useAuth();
  if (retryingIn !== null) {
    return (
      <Alert color="yellow" variant="light" role="status" aria-live="polite" data-testid="session-rate-limited">
        Too many requests right now. Retrying to restore your session in {retryingIn} {retryingIn === 1 ? "second" : "seconds"}…
      </Alert>
    );
  }
  return <Loading label="Restoring your session…" />;
}

/** RestoringSession in a page of its own (one <main>, skip link, title), for routes that wait for it. */
export function RestoringSessionPage() {
  return (
    <PublicShell title="Restoring your session">
      <RestoringSession />
    </PublicShell>
  );
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "starting") return <RestoringSessionPage />;
  if (status === "anonymous") return <Navigate to={loginPathFor(location)} replace />;
  return <>{children}</>;
}

/**
 * Public-only pages (login, signup): a signed-in user goes on to `?next=`
 * (the page they were sent away from) or the dashboard. This is also how a
 * successful login leaves the login page.
 */
export function AnonymousOnly({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const [params] = useSearchParams();
  if (status === "starting") return <RestoringSessionPage />;
  if (status === "authenticated") return <Navigate to={safeNext(params.get("next"))} replace />;
  return <>{children}</>;
}
