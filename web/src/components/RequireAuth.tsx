import type { ReactNode } from "react";
import { Navigate, useLocation, useSearchParams } from "react-router";
import { useAuth } from "../auth/AuthContext";
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

export function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "starting") return <Loading label="Restoring your session…" />;
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
  if (status === "starting") return <Loading label="Restoring your session…" />;
  if (status === "authenticated") return <Navigate to={safeNext(params.get("next"))} replace />;
  return <>{children}</>;
}
