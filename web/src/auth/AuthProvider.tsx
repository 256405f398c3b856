import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { describeError } from "../api/problem";
import { dropSession, endSession, restoreSession, startSession } from "../api/session";
import { onTokenChange } from "../api/tokenStore";
import { AuthContext, type AuthContextValue, type AuthStatus } from "./AuthContext";

const AUTH_CHANNEL = "qhub-auth";

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<AuthStatus>("starting");
  const [notice, setNotice] = useState<string | null>(null);
  const statusRef = useRef(status);
  statusRef.current = status;

  // Restore the session from the refresh cookie once, on start.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    restoreSession()
      .then((ok) => setStatus((s) => (s === "starting" ? (ok ? "authenticated" : "anonymous") : s)))
      .catch((err: unknown) => {
        setNotice(`Could not restore your session: ${describeError(err)}`);
        setStatus((s) => (s === "starting" ? "anonymous" : s));
      });
  }, []);

  // A refresh that finds the session gone (expired, revoked elsewhere, password reset).
  useEffect(
    () =>
      onTokenChange((token) => {
        if (token === null && statusRef.current === "authenticated") {
          queryClient.clear();
          setNotice("Your session has ended. Please log in again.");
          setStatus("anonymous");
        }
      }),
    [queryClient],
  );

  const signIn = useCallback<AuthContextValue["signIn"]>(
    (pair) => {
      queryClient.clear();
      startSession(pair);
      setNotice(null);
      setStatus("authenticated");
    },
    [queryClient],
  );

  const signOutLocally = useCallback<AuthContextValue["signOutLocally"]>(
    (why) => {
      setStatus("anonymous");
      dropSession();
      queryClient.clear();
      setNotice(why ?? null);
    },
    [queryClient],
  );

  // Logging out in one tab logs out the others at once (they would find out
  // at their next request anyway). Only a message crosses tabs, never a token.
  const channel = useRef<BroadcastChannel | null>(null);
  useEffect(() => {
    if (typeof BroadcastChannel === "undefined") return;
    const ch = new BroadcastChannel(AUTH_CHANNEL);
    ch.onmessage = (e: MessageEvent) => {
      if (e.data === "logout" && statusRef.current === "authenticated") {
        signOutLocally("You logged out in another tab.");
      }
    };
    channel.current = ch;
    return () => {
      channel.current = null;
      ch.close();
    };
  }, [signOutLocally]);

  const signOut = useCallback(async () => {
    setStatus("anonymous");
    await endSession();
    queryClient.clear();
    setNotice("You have logged out.");
    channel.current?.postMessage("logout");
  }, [queryClient]);

  const value = useMemo<AuthContextValue>(
    () => ({ status, notice, signIn, signOut, signOutLocally }),
    [status, notice, signIn, signOut, signOutLocally],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
