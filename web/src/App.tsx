import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, type ReactNode } from "react";
import { BrowserRouter, Route, Routes } from "react-router";
import { ApiError } from "./api/problem";
import { AuthProvider } from "./auth/AuthProvider";
import { useAuth } from "./auth/AuthContext";
import { Layout } from "./components/Layout";
import { NotFound } from "./components/NotFound";
import { PublicShell } from "./components/PublicShell";
import { AnonymousOnly, RequireAuth, RestoringSessionPage } from "./components/RequireAuth";
import { Loading } from "./components/States";
import { AcceptInvitationPage } from "./pages/AcceptInvitation";
import { ApiKeyDetailPage } from "./pages/ApiKeyDetail";
import { ApiKeysPage } from "./pages/ApiKeys";
import { AuditPage } from "./pages/Audit";
import { DashboardPage } from "./pages/Dashboard";
import { ForgotPasswordPage } from "./pages/ForgotPassword";
import { LoginPage } from "./pages/Login";
import { ProfilePage } from "./pages/Profile";
import { ResetPasswordPage } from "./pages/ResetPassword";
import { SessionsPage } from "./pages/Sessions";
import { SettingsPage } from "./pages/Settings";
import { SignupPage } from "./pages/Signup";
import { UserDetailPage } from "./pages/UserDetail";
import { UsersPage } from "./pages/Users";
import { VerifyEmailPage } from "./pages/VerifyEmail";
import { colorSchemeManager, cssVariablesResolver, DEFAULT_COLOR_SCHEME, theme } from "./theme";

// swagger-ui is large: load it only when the reference is opened.
const ReferencePage = lazy(() => import("./pages/Reference"));
// Projects, apps and the registry: their own chunks (markdown, uploads, downloads).
const ProjectsPage = lazy(() => import("./pages/Projects"));
const ProjectDetailPage = lazy(() => import("./pages/ProjectDetail"));
const AppsPage = lazy(() => import("./pages/Apps"));
const AppDetailPage = lazy(() => import("./pages/AppDetail"));
const VersionDetailPage = lazy(() => import("./pages/VersionDetail"));
const RegistryPage = lazy(() => import("./pages/Registry"));
const RegistryAppPage = lazy(() => import("./pages/RegistryApp"));
// Quantum jobs and backends: their own chunks (the editor, the histogram).
const JobsPage = lazy(() => import("./pages/Jobs"));
const JobDetailPage = lazy(() => import("./pages/JobDetail"));
const BackendsPage = lazy(() => import("./pages/Backends"));
// The marketplace, subscriptions, bills and statements: their own chunks.
const MarketplacePage = lazy(() => import("./pages/Marketplace"));
const ListingPage = lazy(() => import("./pages/Listing"));
const SubscriptionsPage = lazy(() => import("./pages/Subscriptions"));
const SubscriptionDetailPage = lazy(() => import("./pages/SubscriptionDetail"));
const BillsPage = lazy(() => import("./pages/Bills"));
const BillDetailPage = lazy(() => import("./pages/BillDetail"));
const StatementsPage = lazy(() => import("./pages/Statements"));

/** A lazily loaded page, with a skeleton while its chunk arrives. */
function Lazy({ children, label = "Loading…" }: { children: ReactNode; label?: string }) {
  return <Suspense fallback={<Loading label={label} />}>{children}</Suspense>;
}

/** Retry transient failures, never a 4xx (the answer will not change). */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) {
    return false;
  }
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}

function CatchAll() {
  const { status } = useAuth();
  if (status === "starting") return <RestoringSessionPage />;
  if (status === "authenticated") {
    return (
      <Layout>
        <NotFound />
      </Layout>
    );
  }
  return (
    <PublicShell title="Page not found">
      <NotFound withTitle={false} />
    </PublicShell>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<AnonymousOnly><LoginPage /></AnonymousOnly>} />
      <Route path="/signup" element={<AnonymousOnly><SignupPage /></AnonymousOnly>} />
      <Route path="/forgot-password" element={<ForgotPasswordPage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route path="/accept-invitation" element={<AcceptInvitationPage />} />
      <Route path="/verify-email" element={<VerifyEmailPage />} />
      <Route element={<RequireAuth><Layout /></RequireAuth>}>
        <Route index element={<DashboardPage />} />
        <Route path="users" element={<UsersPage />} />
        <Route path="users/:id" element={<UserDetailPage />} />
        <Route path="api-keys" element={<ApiKeysPage />} />
        <Route path="api-keys/:id" element={<ApiKeyDetailPage />} />
        <Route path="sessions" element={<SessionsPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="profile" element={<ProfilePage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="projects" element={<Lazy><ProjectsPage /></Lazy>} />
        <Route path="projects/:id" element={<Lazy><ProjectDetailPage /></Lazy>} />
        <Route path="apps" element={<Lazy><AppsPage /></Lazy>} />
        <Route path="apps/:id" element={<Lazy><AppDetailPage /></Lazy>} />
        <Route path="apps/:id/versions/:vid" element={<Lazy><VersionDetailPage /></Lazy>} />
        <Route path="registry" element={<Lazy><RegistryPage /></Lazy>} />
        <Route path="registry/:id" element={<Lazy><RegistryAppPage /></Lazy>} />
        <Route path="jobs" element={<Lazy><JobsPage /></Lazy>} />
        <Route path="jobs/:id" element={<Lazy><JobDetailPage /></Lazy>} />
        <Route path="backends" element={<Lazy><BackendsPage /></Lazy>} />
        <Route path="marketplace" element={<Lazy><MarketplacePage /></Lazy>} />
        <Route path="marketplace/:id" element={<Lazy><ListingPage /></Lazy>} />
        <Route path="subscriptions" element={<Lazy><SubscriptionsPage /></Lazy>} />
        <Route path="subscriptions/:id" element={<Lazy><SubscriptionDetailPage /></Lazy>} />
        <Route path="bills" element={<Lazy><BillsPage /></Lazy>} />
        <Route path="bills/:id" element={<Lazy><BillDetailPage /></Lazy>} />
        <Route path="statements" element={<Lazy><StatementsPage /></Lazy>} />
        <Route
          path="reference"
          element={
            <Suspense fallback={<Loading label="Loading the API reference…" />}>
              <ReferencePage />
            </Suspense>
          }
        />
      </Route>
      <Route path="*" element={<CatchAll />} />
    </Routes>
  );
}

/** Mantine with the console's theme and the remembered colour scheme (light / dark / auto). */
export function UiProvider({ children }: { children: ReactNode }) {
  return (
    <MantineProvider
      theme={theme}
      defaultColorScheme={DEFAULT_COLOR_SCHEME}
      colorSchemeManager={colorSchemeManager}
      cssVariablesResolver={cssVariablesResolver}
    >
      {children}
    </MantineProvider>
  );
}

export function App({ queryClient = createQueryClient() }: { queryClient?: QueryClient }) {
  return (
    <UiProvider>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <AuthProvider>
            <AppRoutes />
          </AuthProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </UiProvider>
  );
}
