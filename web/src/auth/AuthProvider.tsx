import { useQueryClient } from "@tanstack/react-query";
import { Fragment, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useNavigate } from "react-router";
import { describeError } from "../api/problem";
import {
  currentIdentity,
  hasSessionHint,
  dropSession,
  endSession,
  onIdentityChange,
  refreshSession,
  restorePatiently,
  restoreSessionIfHinted,
  startSession,
} from "../api/session";
import { onTokenChange, sameIdentity, type Identity } from "../api/tokenStore";
import { AuthContext, type AuthContextValue, type AuthStatus } from "./AuthContext";

export const AUTH_CHANNEL = "qhub-auth";

/** What one tab tells the others (never a token). */
export type AuthMessage = "logout" | { type: "signed-in"; userId: string | null; tenantId: string | null };

export function signedInMessage(id: Identity | null): AuthMessage {
  return { type: "signed-in", userId: id?.userId ?? null, tenantId: id?.tenantId ?? null };
}

/** The identity a "signed-in" message announces, or undefined for any other message. */
export function announcedIdentity(data: unknown): Identity | null | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const m = data as Record<string, unknown>;
  if (m.type !== "signed-in") return undefined;
  return typeof m.userId === "string" && typeof m.tenantId === "string" ? { userId: m.userId, tenantId: m.tenantId } : null;
}

export const SWITCHED_NOTICE =
  "You logged in as another user in another tab, so this tab now shows that account. Each browser keeps one session for all its tabs.";

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  // Without the session hint there is nothing to restore: anonymous at once
  // (no request, no "Restoring your session…" flash before the login form).
  const [status, setStatus] = useState<AuthStatus>(() => (hasSessionHint() ? "starting" : "anonymous"));
  const [notice, setNotice] = useState<string | null>(null);
  const [retryingIn, setRetryingIn] = useState<number | null>(null);
  // Bumped when the tab's identity changes: remounts every page, so no
  // component keeps showing the previous account's data.
  const [epoch, setEpoch] = useState(0);
  const statusRef = useRef(status);
  statusRef.current = status;

  // Restore the session from the refresh cookie once, on start — only when
  // the session hint says there may be one (no 401 for a logged-out
  // visitor). A 429 is waited out (Retry-After); only a 401 means there is
  // no session.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    if (statusRef.current !== "starting") return;
    restorePatiently((secs) => setRetryingIn(secs), restoreSessionIfHinted)
      .then((ok) => setStatus((s) => (s === "starting" ? (ok ? "authenticated" : "anonymous") : s)))
      .catch((err: unknown) => {
        setNotice(`Could not restore your session: ${describeError(err)}`);
        setStatus((s) => (s === "starting" ? "anonymous" : s));
      })
      .finally(() => setRetryingIn(null));
  }, []);

  // A refresh that finds the session gone (expired, revoked elsewhere, password reset).
  useEffect(
    () =>
      onTokenChange((token) => {
        if (token === null && statusRef.current === "authenticated") {
          statusRef.current = "anonymous";
          queryClient.clear();
          setNotice("Your session has ended. Please log in again.");
          setStatus("anonymous");
        }
      }),
    [queryClient],
  );

  // A refresh that came back as someone else (the cookie is shared by all
  // tabs, and another tab logged in): drop every cached query, remount the
  // pages and start over at the dashboard, as the new account.
  useEffect(
    () =>
      onIdentityChange(() => {
        if (statusRef.current !== "authenticated") return;
        queryClient.clear();
        setEpoch((e) => e + 1);
        setNotice(SWITCHED_NOTICE);
        navigate("/", { replace: true });
      }),
    [queryClient, navigate],
  );

  const channel = useRef<BroadcastChannel | null>(null);

  const signIn = useCallback<AuthContextValue["signIn"]>(
    (pair) => {
      queryClient.clear();
      startSession(pair);
      statusRef.current = "authenticated";
      setNotice(null);
      setStatus("authenticated");
      // The other tabs now share this session's cookie: tell them who it is.
      channel.current?.postMessage(signedInMessage(currentIdentity()));
    },
    [queryClient],
  );

  const signOutLocally = useCallback<AuthContextValue["signOutLocally"]>(
    (why) => {
      statusRef.current = "anonymous";
      setStatus("anonymous");
      dropSession();
      queryClient.clear();
      setNotice(why ?? null);
    },
    [queryClient],
  );

  // Logging out in one tab logs out the others at once (they would find out
  // at their next request anyway); logging in in one tab makes the others
  // check whose session the shared cookie now holds. Only a message and the
  // user and tenant ids cross tabs, never a token.
  useEffect(() => {
    if (typeof BroadcastChannel === "undefined") return;
    const ch = new BroadcastChannel(AUTH_CHANNEL);
    ch.onmessage = (e: MessageEvent) => {
      if (statusRef.current !== "authenticated") return;
      if (e.data === "logout") {
        signOutLocally("You logged out in another tab.");
        return;
      }
      const announced = announcedIdentity(e.data);
      if (announced !== undefined && !sameIdentity(announced, currentIdentity())) {
        // Our token is still the old account's, but the cookie is not: refresh
        // now, which switches this tab over (or ends it on a 401).
        refreshSession().catch(() => undefined);
      }
    };
    channel.current = ch;
    return () => {
      channel.current = null;
      ch.close();
    };
  }, [signOutLocally]);

  const signOut = useCallback(async () => {
    statusRef.current = "anonymous";
    setStatus("anonymous");
    // endSession forgets the token before it awaits the server.
    const done = endSession();
    queryClient.clear();
    setNotice("You have logged out.");
    channel.current?.postMessage("logout" satisfies AuthMessage);
    await done;
  }, [queryClient]);

  const dismissNotice = useCallback(() => setNotice(null), []);

  const value = useMemo<AuthContextValue>(
    () => ({ status, notice, dismissNotice, retryingIn, signIn, signOut, signOutLocally }),
    [status, notice, dismissNotice, retryingIn, signIn, signOut, signOutLocally],
  );
  return (
    <AuthContext.Provider value={value}>
      <Fragment key={epoch}>{children}</Fragment>
    </AuthContext.Provider>
  );
}
