// The signed-in shell (Mantine AppShell): a header with the brand, who is
// signed in, the colour-scheme switch and Log out; a navbar that collapses
// into a burger menu below `sm` (48em = 768 px) and closes after navigating;
// and the page's one <main id="main">, after a "Skip to content" link.
import { AppShell, Burger, Button, CloseButton, Group, NavLink, Paper, Text } from "@mantine/core";
import { useDisclosure, useMediaQuery } from "@mantine/hooks";
import { useEffect, type ReactNode } from "react";
import { Link, NavLink as RouterNavLink, Outlet, useLocation, useMatch, useNavigate } from "react-router";
import { useMe } from "../api/queries";
import { useAuth } from "../auth/AuthContext";
import { canReadApps, canReadJobs, canReadUsers, canViewAudit, ROLE_LABELS } from "../lib/permissions";
import { canBrowseMarketplace, canReadBilling, canReadSubscriptions, canSell } from "../lib/marketplace";
import { ColorSchemeSwitch } from "./ColorSchemeSwitch";
import { NotificationBell } from "./NotificationBell";
import { MAIN_ID, SkipLink } from "./SkipLink";
import { ErrorState, Loading } from "./States";

interface NavItem {
  to: string;
  label: string;
  end?: boolean;
}

function MainNavLink({ item, onNavigate }: { item: NavItem; onNavigate: () => void }) {
  const active = useMatch({ path: item.to, end: item.end ?? false }) !== null;
  return (
    <NavLink
      component={RouterNavLink}
      to={item.to}
      end={item.end}
      label={item.label}
      onClick={onNavigate}
      // react-router's NavLink sets aria-current="page"; Mantine styles `active`.
      active={active}
      className="main-nav-link"
    />
  );
}

/** The signed-in shell; renders the matched route, or `children` when given (catch-all). */
export function Layout({ children }: { children?: ReactNode }) {
  const me = useMe();
  const { signOut, notice, dismissNotice } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [navOpen, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  // Who is signed in sits in the header from `sm` up, at the top of the menu below it.
  const wide = useMediaQuery("(min-width: 48em)", true, { getInitialValueInEffect: false });

  // Close the mobile menu after any navigation (links, back/forward, redirects).
  useEffect(() => {
    closeNav();
  }, [location.pathname, closeNav]);

  const logout = async () => {
    navigate("/login", { replace: true });
    await signOut();
  };

  const items: NavItem[] = [
    { to: "/", label: "Dashboard", end: true },
    ...(me.data && canReadUsers(me.data) ? [{ to: "/users", label: "Users" }] : []),
    ...(me.data && canReadApps(me.data)
      ? [
          { to: "/projects", label: "Projects" },
          { to: "/apps", label: "Apps" },
          { to: "/registry", label: "Registry" },
        ]
      : []),
    ...(me.data && canReadJobs(me.data)
      ? [
          { to: "/jobs", label: "Jobs" },
          { to: "/backends", label: "Backends" },
        ]
      : []),
    ...(me.data && canBrowseMarketplace(me.data) ? [{ to: "/marketplace", label: "Marketplace" }] : []),
    ...(me.data && canReadSubscriptions(me.data) ? [{ to: "/subscriptions", label: "Subscriptions" }] : []),
    ...(me.data && canReadBilling(me.data) ? [{ to: "/bills", label: "Bills" }] : []),
    ...(me.data && canSell(me.data) ? [{ to: "/statements", label: "Statements" }] : []),
    { to: "/api-keys", label: "API keys" },
    { to: "/sessions", label: "Sessions" },
    { to: "/settings", label: "Settings" },
    { to: "/profile", label: "Profile" },
    ...(me.data && canViewAudit(me.data) ? [{ to: "/audit", label: "Audit log" }] : []),
    { to: "/reference", label: "API reference" },
  ];

  const whoami = me.data && (
    <Text size="sm" className="whoami" data-testid="whoami">
      {me.data.tenant.name} · {me.data.user.name} · <span data-testid="my-role">{ROLE_LABELS[me.data.role]}</span>
    </Text>
  );

  return (
    <>
      <SkipLink />
      <AppShell
        header={{ height: 56 }}
        navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !navOpen } }}
        padding="md"
      >
        <AppShell.Header>
          <Group h="100%" px="md" gap="sm" wrap="nowrap" justify="space-between">
            <Group gap="sm" wrap="nowrap" miw={0}>
              <Burger
                opened={navOpen}
                onClick={toggleNav}
                hiddenFrom="sm"
                size="sm"
                aria-label={navOpen ? "Close navigation" : "Open navigation"}
                aria-expanded={navOpen}
                aria-controls="main-nav"
              />
              <Text component={Link} to="/" fw={700} className="brand">
                QHub console
              </Text>
            </Group>
            <Group gap={wide ? "sm" : 6} wrap="nowrap" miw={0}>
              {wide && whoami}
              {me.data && <NotificationBell />}
              <ColorSchemeSwitch />
              <Button variant="default" size={wide ? "sm" : "xs"} onClick={() => void logout()}>
                Log out
              </Button>
            </Group>
          </Group>
        </AppShell.Header>

        <AppShell.Navbar p="sm" id="main-nav" aria-label="Main">
          {!wide && whoami && (
            <Paper px="xs" pb="sm" mb="xs" className="nav-whoami">
              {whoami}
            </Paper>
          )}
          {items.map((item) => (
            <MainNavLink key={item.to} item={item} onNavigate={closeNav} />
          ))}
        </AppShell.Navbar>

        <AppShell.Main id={MAIN_ID} tabIndex={-1} className="app-main">
          <div className="app-content">
            {notice && (
              <Paper withBorder p="sm" mb="md" role="status" data-testid="auth-notice" className="notice">
                <Group justify="space-between" wrap="nowrap" align="flex-start">
                  <Text size="sm">{notice}</Text>
                  <CloseButton aria-label="Dismiss" onClick={dismissNotice} />
                </Group>
              </Paper>
            )}
            {me.isPending ? (
              <Loading label="Loading your account…" />
            ) : me.error ? (
              <ErrorState error={me.error} onRetry={() => void me.refetch()} />
            ) : (
              (children ?? <Outlet />)
            )}
          </div>
        </AppShell.Main>
      </AppShell>
    </>
  );
}
