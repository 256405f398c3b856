import type { ReactNode } from "react";
import { NavLink, Outlet, useNavigate } from "react-router";
import { useMe } from "../api/queries";
import { useAuth } from "../auth/AuthContext";
import { canReadUsers, canViewAudit, ROLE_LABELS } from "../lib/permissions";
import { ErrorState, Loading } from "./States";

/** The signed-in shell; renders the matched route, or `children` when given (catch-all). */
export function Layout({ children }: { children?: ReactNode }) {
  const me = useMe();
  const { signOut, notice, dismissNotice } = useAuth();
  const navigate = useNavigate();

  const logout = async () => {
    navigate("/login", { replace: true });
    await signOut();
  };

  return (
    <div className="app">
      <header className="app-topbar">
        <span className="brand">QHub console</span>
        {me.data && (
          <span className="whoami" data-testid="whoami">
            {me.data.tenant.name} · {me.data.user.name} ·{" "}
            <span data-testid="my-role">{ROLE_LABELS[me.data.role]}</span>
          </span>
        )}
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <div className="app-main">
        <nav className="sidenav" aria-label="Main">
          <NavLink to="/" end>
            Dashboard
          </NavLink>
          {me.data && canReadUsers(me.data) && <NavLink to="/users">Users</NavLink>}
          <NavLink to="/api-keys">API keys</NavLink>
          <NavLink to="/sessions">Sessions</NavLink>
          <NavLink to="/settings">Settings</NavLink>
          <NavLink to="/profile">Profile</NavLink>
          {me.data && canViewAudit(me.data) && <NavLink to="/audit">Audit log</NavLink>}
          <NavLink to="/reference">API reference</NavLink>
        </nav>
        <main className="app-content">
          {notice && (
            <div className="notice" role="status" data-testid="auth-notice">
              <span>{notice}</span>{" "}
              <button type="button" onClick={dismissNotice}>
                Dismiss
              </button>
            </div>
          )}
          {me.isPending ? (
            <Loading />
          ) : me.error ? (
            <ErrorState error={me.error} onRetry={() => void me.refetch()} />
          ) : (
            (children ?? <Outlet />)
          )}
        </main>
      </div>
    </div>
  );
}
