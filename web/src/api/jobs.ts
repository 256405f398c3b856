// Server state for quantum jobs, backends and quotas (docs/jobs.md). Every
// request the jobs pages make goes through the fetchers here. Query keys
// start with "jobs", "backends" or "quotas", so one invalidation by prefix
// reaches every list and detail under it.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import { PAGE_SIZE } from "./queries";
import type { Paths, Schemas } from "./types";

export type JobView = Schemas["JobView"];
export type JobStatus = Schemas["JobStatus"];
export type JobReason = Schemas["JobReason"];
export type JobResultView = Schemas["JobResultView"];
export type JobStats = Schemas["JobStats"];
export type BackendView = Schemas["BackendView"];
export type QuotaView = Schemas["QuotaView"];
export type QuotaItem = Schemas["QuotaItem"];
export type SubmitJobRequest = Schemas["SubmitJobRequest"];

export type JobsQuery = NonNullable<Paths["/v1/jobs"]["get"]["parameters"]["query"]>;

export { jobStatusValues } from "./schema";

export const jobKeys = {
  jobs: ["jobs"] as const,
  list: (q: JobsQuery) => ["jobs", "list", q] as const,
  job: (id: string) => ["jobs", "one", id] as const,
  result: (id: string) => ["jobs", "result", id] as const,
  backends: ["backends"] as const,
  quotas: ["quotas"] as const,
  stats: ["jobs", "stats"] as const,
};

const path = (id: string) => ({ params: { path: { id } } });

/** Poll a job, or a list showing one, this often while it may still change. */
export const LIVE_MS = 1500;
/** The backends' queues and the quotas move with everyone's jobs: a slower beat. */
const QUEUE_MS = 5000;

export const listJobs = (query: JobsQuery) => unwrap(api().GET("/v1/jobs", { params: { query } }));
export const getJob = (id: string) => unwrap(api().GET("/v1/jobs/{id}", path(id)));
export const getJobResult = (id: string) => unwrap(api().GET("/v1/jobs/{id}/result", path(id)));
export const submitJob = (body: SubmitJobRequest, idempotencyKey?: string) =>
  unwrap(api().POST("/v1/jobs", { body, params: { header: idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {} } }));
export const cancelJob = (id: string) => unwrap(api().POST("/v1/jobs/{id}/cancel", path(id)));
export const rerunJob = (id: string) => unwrap(api().POST("/v1/jobs/{id}/rerun", path(id)));
export const setJobTags = (id: string, tags: string[]) => unwrap(api().PUT("/v1/jobs/{id}/tags", { ...path(id), body: { tags } }));
export const deleteJob = (id: string) => unwrap(api().DELETE("/v1/jobs/{id}", path(id)));
export const listBackends = () => unwrap(api().GET("/v1/backends", { params: { query: { limit: 100 } } }));
export const getQuotas = () => unwrap(api().GET("/v1/quotas"));
/** The last 30 days (the server's default range). */
export const getJobStats = () => unwrap(api().GET("/v1/jobs/stats"));

const ACTIVE = new Set<string>(["queued", "running", "cancelling"]);
const active = (j: { status: string }) => ACTIVE.has(j.status);

/** A page of jobs, refetched every LIVE_MS while any job on it is queued or running. */
export function useJobList(query: JobsQuery) {
  return useQuery({
    queryKey: jobKeys.list(query),
    queryFn: () => listJobs(query),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some(active) ? LIVE_MS : false),
  });
}

/** One job, refetched every LIVE_MS until it has finished. */
export function useJob(id: string) {
  return useQuery({
    queryKey: jobKeys.job(id),
    queryFn: () => getJob(id),
    refetchInterval: (q) => (q.state.data && active(q.state.data) ? LIVE_MS : false),
  });
}

/** A completed job's counts (never changes once there). */
export function useJobResult(id: string, enabled: boolean) {
  return useQuery({ queryKey: jobKeys.result(id), queryFn: () => getJobResult(id), enabled, staleTime: Infinity });
}

export function useBackends(live = false) {
  return useQuery({ queryKey: jobKeys.backends, queryFn: listBackends, refetchInterval: live ? QUEUE_MS : false });
}

export function useQuotas(live = false) {
  return useQuery({ queryKey: jobKeys.quotas, queryFn: getQuotas, refetchInterval: live ? QUEUE_MS : false });
}

/** Counts by status and mean times of the last 30 days' jobs. */
export function useJobStats() {
  return useQuery({ queryKey: jobKeys.stats, queryFn: getJobStats, refetchInterval: QUEUE_MS });
}

export { PAGE_SIZE };
