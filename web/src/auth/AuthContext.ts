import { createContext, useContext } from "react";
import type { TokenPair } from "../api/types";

export type AuthStatus = "starting" | "anonymous" | "authenticated";

export interface AuthContextValue {
  status: AuthStatus;
  /** Why the user is anonymous, for the login page to explain. */
  notice: string | null;
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
