// Notifications (docs/marketplace.md, "Notifications"): the signed-in
// person's own list, read marks, mail preferences, and the live stream.
// The stream is GET /v1/notifications/stream read with fetch (EventSource
// cannot send the Authorization header): the body is parsed as Server-Sent
// Events, each `notification` event invalidates the list, and a dropped
// stream is reopened with a growing delay.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { SseParser, type SseEvent } from "../lib/sse";
import { api, apiBaseUrl, authFetch, unwrap } from "./client";
import type { Schemas } from "./types";

export type NotificationType = Schemas["NotificationType"];
export type NotificationView = Schemas["NotificationView"];
export type NotificationPage = Schemas["NotificationPage"];
export type NotificationPreference = Schemas["Preference"];
export type NotificationPreferences = Schemas["Preferences"];
export type MarkedRead = Schemas["MarkedRead"];

export { notificationTypeValues } from "./schema";

export const NOTIFICATION_TYPE_LABELS: Record<NotificationType, string> = {
  "subscription.new_subscriber": "A new subscriber to one of our listings",
  "subscription.trial_ending": "A trial ends in three days",
  "subscription.canceled": "A subscription was canceled",
  "bill.issued": "A bill was issued",
  "job.finished": "A job I submitted finished",
  "job.failed": "A job I submitted failed",
  "invitation.accepted": "Someone I invited joined",
};

export const notificationKeys = {
  all: ["notifications"] as const,
  list: ["notifications", "list"] as const,
  preferences: ["notifications", "preferences"] as const,
};

export const listNotifications = (limit = 10) => unwrap(api().GET("/v1/notifications", { params: { query: { limit } } }));
export const markNotificationRead = (id: string) => unwrap(api().POST("/v1/notifications/{id}/read", { params: { path: { id } } }));
export const markAllNotificationsRead = () => unwrap(api().POST("/v1/notifications/read-all"));
export const getNotificationPreferences = () => unwrap(api().GET("/v1/notifications/preferences"));
export const updateNotificationPreferences = (body: NotificationPreferences) => unwrap(api().PUT("/v1/notifications/preferences", { body }));

/** The list is refetched this often even without the stream (it is the record). */
const FALLBACK_POLL_MS = 60_000;

export function useNotifications() {
  return useQuery({ queryKey: notificationKeys.list, queryFn: () => listNotifications(10), refetchInterval: FALLBACK_POLL_MS });
}

export function useNotificationPreferences() {
  return useQuery({ queryKey: notificationKeys.preferences, queryFn: getNotificationPreferences });
}

/** Delay before the n-th reconnection (0-based): 1 s, 2 s, 4 s … at most 30 s, with some jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Reads one stream until it ends, calling `onEvent` for each event. Throws
 * on an HTTP error or a network failure; returns when the server closed it.
 */
export async function readNotificationStream(signal: AbortSignal, onEvent: (e: SseEvent) => void): Promise<void> {
  const response = await authFetch(
    new Request(`${apiBaseUrl()}/v1/notifications/stream`, { headers: { Accept: "text/event-stream" }, signal, cache: "no-store" }),
  );
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`notification stream: HTTP ${response.status}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const ev of parser.feed(value)) onEvent(ev);
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Keeps the notification stream open while mounted (`enabled`): the list
 * is invalidated on `ready` (catch up after a gap), on each
 * `notification`, and on `lagged` (the server dropped some for a slow reader). Reconnects with backoff; the delay resets once a stream
 * has said `ready`.
 */
export function useNotificationStream(enabled: boolean): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    const connect = () => {
      readNotificationStream(controller.signal, (ev) => {
        if (ev.event === "ready") {
          attempt = 0;
          void queryClient.invalidateQueries({ queryKey: notificationKeys.list });
        } else if (ev.event === "notification" || ev.event === "lagged") {
          void queryClient.invalidateQueries({ queryKey: notificationKeys.list });
        }
      })
        .catch(() => undefined)
        .finally(() => {
          if (controller.signal.aborted) return;
          timer = setTimeout(connect, backoffMs(attempt++));
        });
    };
    connect();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [enabled, queryClient]);
}
