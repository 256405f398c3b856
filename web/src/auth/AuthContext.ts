import { createContext, useContext } from "react";
import type { TokenPair } from "../api/types";

export type AuthStatus = "starting" | "anonymous" | "authenticated";

export interface AuthContextValue {
  status: AuthStatus;
  /**
   * Something the user should know about the session: why they are
   * anonymous (the login page shows it), or that another tab's login
   * switched this tab to another account (the layout shows it).
   */
  notice: string | null;
  /** Hide the notice. */
  dismissNotice: () => void;
  /** While starting: the server rate-limited the restore; seconds until the next try. */
  retryingIn: number | null;
  /** After login, signup or accepting an invitation. */
  signIn: (pair: Pick<TokenPair, "access_token" | "expires_in">) => void;
  /** Log out on the server, then forget everything. */
  signOut: () => Promise<void>;
  /** Forget the session locally (e.g. the current session was revoked). */
  signOutLocally: (notice?: string) => void;
}

export const AuthContext = createContext<AuthContextValue | null>(null);

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside <AuthProvider>");
  return ctx;
}
