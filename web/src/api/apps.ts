// Server state for projects, apps, versions, docs pages, metrics and the
// registry (docs/apps.md). Every request the app pages make goes through
// the fetchers here; the pages import only these functions, hooks and type
// names. Query keys start with "projects", "apps" or "registry", so one
// invalidation by prefix reaches every list and detail under it.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import { apiErrorFrom } from "./problem";
import { PAGE_SIZE } from "./queries";
import type { Paths, Schemas } from "./types";

export type ProjectView = Schemas["ProjectView"];
export type AppView = Schemas["AppView"];
export type VersionView = Schemas["VersionView"];
export type DocView = Schemas["DocView"];
export type RegistryAppSummary = Schemas["RegistryAppSummary"];
export type RegistryApp = Schemas["RegistryApp"];
export type RegistryVersion = Schemas["RegistryVersion"];
export type ReviewView = Schemas["ReviewView"];
export type AppMetrics = Schemas["AppMetrics"];
export type AppType = Schemas["AppType"];
export type AppVisibility = Schemas["Visibility"];
export type AppStatus = Schemas["AppStatus"];
export type Sdk = Schemas["Sdk"];
export type VersionStatus = Schemas["VersionStatus"];
export type RegistrySort = Schemas["RegistrySort"];

export type CreateProjectRequest = Schemas["CreateProjectRequest"];
export type UpdateProjectRequest = Schemas["UpdateProjectRequest"];
export type ReleaseProjectRequest = Schemas["ReleaseProjectRequest"];
export type CreateAppRequest = Schemas["CreateAppRequest"];
export type UpdateAppRequest = Schemas["UpdateAppRequest"];
export type CreateVersionRequest = Schemas["CreateVersionRequest"];
export type UpdateVersionRequest = Schemas["UpdateVersionRequest"];
export type CreateDocRequest = Schemas["CreateDocRequest"];
export type UpdateDocRequest = Schemas["UpdateDocRequest"];
export type CreateReviewRequest = Schemas["CreateReviewRequest"];
export type UpdateReviewRequest = Schemas["UpdateReviewRequest"];

export type ProjectsQuery = NonNullable<Paths["/v1/projects"]["get"]["parameters"]["query"]>;
export type AppsQuery = NonNullable<Paths["/v1/apps"]["get"]["parameters"]["query"]>;
export type RegistryQuery = NonNullable<Paths["/v1/registry"]["get"]["parameters"]["query"]>;

export {
  appTypeValues,
  visibilityValues as appVisibilityValues,
  appStatusValues,
  sdkValues,
  registrySortValues,
} from "./schema";

export const appKeys = {
  projects: ["projects"] as const,
  projectList: (q: ProjectsQuery) => ["projects", "list", q] as const,
  project: (id: string) => ["projects", "one", id] as const,
  apps: ["apps"] as const,
  appList: (q: AppsQuery) => ["apps", "list", q] as const,
  app: (id: string) => ["apps", "one", id] as const,
  versions: (appId: string) => ["apps", "versions", appId] as const,
  version: (appId: string, vid: string) => ["apps", "versions", appId, vid] as const,
  docs: (appId: string) => ["apps", "docs", appId] as const,
  metrics: (appId: string) => ["apps", "metrics", appId] as const,
  registry: ["registry"] as const,
  registryList: (q: RegistryQuery) => ["registry", "list", q] as const,
  registryApp: (id: string) => ["registry", "one", id] as const,
  reviews: (id: string) => ["registry", "reviews", id] as const,
};

const path = (id: string) => ({ params: { path: { id } } });
const vpath = (id: string, vid: string) => ({ params: { path: { id, vid } } });
const dpath = (id: string, doc_id: string) => ({ params: { path: { id, doc_id } } });
const rpath = (app_id: string) => ({ params: { path: { app_id } } });
const rvpath = (app_id: string, review_id: string) => ({ params: { path: { app_id, review_id } } });

// --- projects ---------------------------------------------------------------

export const listProjects = (query: ProjectsQuery) => unwrap(api().GET("/v1/projects", { params: { query } }));
export const getProject = (id: string) => unwrap(api().GET("/v1/projects/{id}", path(id)));
export const createProject = (body: CreateProjectRequest) => unwrap(api().POST("/v1/projects", { body }));
export const updateProject = (id: string, body: UpdateProjectRequest) => unwrap(api().PATCH("/v1/projects/{id}", { ...path(id), body }));
export const deleteProject = (id: string) => unwrap(api().DELETE("/v1/projects/{id}", path(id)));
export const releaseProject = (id: string, body: ReleaseProjectRequest) =>
  unwrap(api().POST("/v1/projects/{id}/release", { ...path(id), body }));

// --- apps -------------------------------------------------------------------

export const listApps = (query: AppsQuery) => unwrap(api().GET("/v1/apps", { params: { query } }));
export const getApp = (id: string) => unwrap(api().GET("/v1/apps/{id}", path(id)));
export const createApp = (body: CreateAppRequest) => unwrap(api().POST("/v1/apps", { body }));
export const updateApp = (id: string, body: UpdateAppRequest) => unwrap(api().PATCH("/v1/apps/{id}", { ...path(id), body }));
export const deleteApp = (id: string) => unwrap(api().DELETE("/v1/apps/{id}", path(id)));
export const deprecateApp = (id: string) => unwrap(api().POST("/v1/apps/{id}/deprecate", path(id)));
export const publishToRegistry = (id: string) => unwrap(api().POST("/v1/apps/{id}/publish-registry", path(id)));
export const getMetrics = (id: string) => unwrap(api().GET("/v1/apps/{id}/metrics", path(id)));

// --- versions ---------------------------------------------------------------

export const listVersions = (id: string) => unwrap(api().GET("/v1/apps/{id}/versions", { params: { path: { id }, query: { limit: 200 } } }));
export const getVersion = (id: string, vid: string) => unwrap(api().GET("/v1/apps/{id}/versions/{vid}", vpath(id, vid)));
export const createVersion = (id: string, body: CreateVersionRequest) =>
  unwrap(api().POST("/v1/apps/{id}/versions", { ...path(id), body }));
export const updateVersion = (id: string, vid: string, body: UpdateVersionRequest) =>
  unwrap(api().PATCH("/v1/apps/{id}/versions/{vid}", { ...vpath(id, vid), body }));
export const deleteVersion = (id: string, vid: string) => unwrap(api().DELETE("/v1/apps/{id}/versions/{vid}", vpath(id, vid)));
export const publishVersion = (id: string, vid: string) => unwrap(api().POST("/v1/apps/{id}/versions/{vid}/publish", vpath(id, vid)));
export const yankVersion = (id: string, vid: string) => unwrap(api().POST("/v1/apps/{id}/versions/{vid}/yank", vpath(id, vid)));

// --- docs -------------------------------------------------------------------

export const listDocs = (id: string) => unwrap(api().GET("/v1/apps/{id}/docs", { params: { path: { id }, query: { limit: 200 } } }));
export const createDoc = (id: string, body: CreateDocRequest) => unwrap(api().POST("/v1/apps/{id}/docs", { ...path(id), body }));
export const updateDoc = (id: string, docId: string, body: UpdateDocRequest) =>
  unwrap(api().PATCH("/v1/apps/{id}/docs/{doc_id}", { ...dpath(id, docId), body }));
export const deleteDoc = (id: string, docId: string) => unwrap(api().DELETE("/v1/apps/{id}/docs/{doc_id}", dpath(id, docId)));

// --- registry ---------------------------------------------------------------

export const searchRegistry = (query: RegistryQuery) => unwrap(api().GET("/v1/registry", { params: { query } }));
export const getRegistryApp = (id: string) => unwrap(api().GET("/v1/registry/{app_id}", rpath(id)));
export const listReviews = (id: string) =>
  unwrap(api().GET("/v1/registry/{app_id}/reviews", { params: { path: { app_id: id }, query: { limit: 200 } } }));
export const createReview = (id: string, body: CreateReviewRequest) =>
  unwrap(api().POST("/v1/registry/{app_id}/reviews", { ...rpath(id), body }));
export const updateReview = (id: string, reviewId: string, body: UpdateReviewRequest) =>
  unwrap(api().PATCH("/v1/registry/{app_id}/reviews/{review_id}", { ...rvpath(id, reviewId), body }));
export const deleteReview = (id: string, reviewId: string) =>
  unwrap(api().DELETE("/v1/registry/{app_id}/reviews/{review_id}", rvpath(id, reviewId)));

// --- hooks ------------------------------------------------------------------

export function useProjectList(query: ProjectsQuery) {
  return useQuery({ queryKey: appKeys.projectList(query), queryFn: () => listProjects(query), placeholderData: keepPreviousData });
}

export function useProject(id: string) {
  return useQuery({ queryKey: appKeys.project(id), queryFn: () => getProject(id) });
}

export function useAppList(query: AppsQuery) {
  return useQuery({ queryKey: appKeys.appList(query), queryFn: () => listApps(query), placeholderData: keepPreviousData });
}

export function useApp(id: string) {
  return useQuery({ queryKey: appKeys.app(id), queryFn: () => getApp(id) });
}

export function useVersions(appId: string, enabled = true) {
  return useQuery({ queryKey: appKeys.versions(appId), queryFn: () => listVersions(appId), enabled });
}

export function useVersion(appId: string, vid: string) {
  return useQuery({ queryKey: appKeys.version(appId, vid), queryFn: () => getVersion(appId, vid) });
}

export function useDocs(appId: string, enabled = true) {
  return useQuery({ queryKey: appKeys.docs(appId), queryFn: () => listDocs(appId), enabled });
}

export function useMetrics(appId: string, enabled = true) {
  return useQuery({ queryKey: appKeys.metrics(appId), queryFn: () => getMetrics(appId), enabled });
}

export function useRegistrySearch(query: RegistryQuery) {
  return useQuery({ queryKey: appKeys.registryList(query), queryFn: () => searchRegistry(query), placeholderData: keepPreviousData });
}

/** Each read of a registry app counts a view: do not refetch it needlessly. */
export function useRegistryApp(id: string) {
  return useQuery({ queryKey: appKeys.registryApp(id), queryFn: () => getRegistryApp(id), staleTime: 5 * 60_000 });
}

export function useReviews(id: string, enabled = true) {
  return useQuery({ queryKey: appKeys.reviews(id), queryFn: () => listReviews(id), enabled });
}

export { PAGE_SIZE };

/**
 * POST /v1/registry/{app_id}/download (the latest version unless `version`
 * is given): the package bytes and the response headers. Counts one download.
 */
export async function downloadPackage(appId: string, version?: string): Promise<{ blob: Blob; headers: Headers }> {
  const { data, error, response } = await api().POST("/v1/registry/{app_id}/download", {
    ...rpath(appId),
    ...(version ? { body: { version } } : {}),
    parseAs: "blob",
  });
  if (!response.ok || !(data instanceof Blob)) throw apiErrorFrom(response, error);
  return { blob: data, headers: response.headers };
}
