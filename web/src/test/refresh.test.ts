import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createRefresher,
  MIN_REFRESH_DELAY_SECS,
  REFRESH_LOCK,
  refreshDelayMs,
  type LockManagerLike,
  type RefreshResult,
} from "../api/refresh";

/** A Web Locks stand-in: exclusive locks granted in request order. */
function fakeLocks() {
  const log: string[] = [];
  let tail: Promise<unknown> = Promise.resolve();
  const locks: LockManagerLike = {
    request<T>(name: string, cb: () => Promise<T>): Promise<T> {
      log.push(name);
      const run = tail.then(cb);
      tail = run.catch(() => undefined);
      return run;
    },
  };
  return { locks, log };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("refreshDelayMs", () => {
  it("refreshes 60 s before expiry", () => {
    expect(refreshDelayMs(900)).toBe(840_000);
    expect(refreshDelayMs(120)).toBe(60_000);
  });
  it("uses half the life of short tokens, but never less than the minimum", () => {
    expect(refreshDelayMs(60)).toBe(30_000);
    expect(refreshDelayMs(4)).toBe(MIN_REFRESH_DELAY_SECS * 1000);
    expect(refreshDelayMs(0)).toBe(MIN_REFRESH_DELAY_SECS * 1000);
  });
});

describe("createRefresher", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("joins concurrent callers into one request (single flight)", async () => {
    const d = deferred<RefreshResult | null>();
    const refresh = vi.fn(() => d.promise);
    const onRefreshed = vi.fn();
    const r = createRefresher({ refresh, onRefreshed, onSessionLost: vi.fn(), locks: null });
    const a = r.refreshNow();
    const b = r.refreshNow();
    d.resolve({ accessToken: "t1", expiresIn: 900 });
    expect(await a).toBe(true);
    expect(await b).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(onRefreshed).toHaveBeenCalledWith({ accessToken: "t1", expiresIn: 900 });
    r.cancel();
  });

  it("takes the qhub-refresh Web Lock and serializes refreshes across tabs", async () => {
    const { locks, log } = fakeLocks();
    const order: string[] = [];
    const first = deferred<RefreshResult | null>();
    // Two refreshers sharing one lock manager = two tabs.
    const tabA = createRefresher({
      refresh: () => {
        order.push("A start");
        return first.promise.then((v) => {
          order.push("A end");
          return v;
        });
      },
      onRefreshed: vi.fn(),
      onSessionLost: vi.fn(),
      locks,
    });
    const tabB = createRefresher({
      refresh: async () => {
        order.push("B start");
        return { accessToken: "b", expiresIn: 900 };
      },
      onRefreshed: vi.fn(),
      onSessionLost: vi.fn(),
      locks,
    });
    const pa = tabA.refreshNow();
    const pb = tabB.refreshNow();
    await Promise.resolve();
    expect(order).toEqual(["A start"]); // B waits for A's lock
    first.resolve({ accessToken: "a", expiresIn: 900 });
    await Promise.all([pa, pb]);
    expect(order).toEqual(["A start", "A end", "B start"]);
    expect(log).toEqual([REFRESH_LOCK, REFRESH_LOCK]);
    tabA.cancel();
    tabB.cancel();
  });

  it("schedules the next refresh before expiry and keeps going", async () => {
    let n = 0;
    const refresh = vi.fn(async () => ({ accessToken: `t${++n}`, expiresIn: 900 }));
    const r = createRefresher({ refresh, onRefreshed: vi.fn(), onSessionLost: vi.fn(), locks: null });
    r.schedule(900);
    await vi.advanceTimersByTimeAsync(839_000);
    expect(refresh).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(840_000);
    expect(refresh).toHaveBeenCalledTimes(2);
    r.cancel();
    await vi.advanceTimersByTimeAsync(2_000_000);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it("reports a lost session and stops scheduling", async () => {
    const onSessionLost = vi.fn();
    const refresh = vi.fn(async () => null);
    const r = createRefresher({ refresh, onRefreshed: vi.fn(), onSessionLost, locks: null });
    r.schedule(120);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onSessionLost).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000_000);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it("retries a scheduled refresh that failed on the network", async () => {
    const refresh = vi
      .fn<() => Promise<RefreshResult | null>>()
      .mockRejectedValueOnce(new TypeError("Failed to fetch"))
      .mockResolvedValue({ accessToken: "ok", expiresIn: 900 });
    const onRefreshed = vi.fn();
    const r = createRefresher({ refresh, onRefreshed, onSessionLost: vi.fn(), locks: null });
    r.schedule(120);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(onRefreshed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(onRefreshed).toHaveBeenCalledWith({ accessToken: "ok", expiresIn: 900 });
    r.cancel();
  });

  describe("cancel (logout) while a refresh is under way", () => {
    it("ignores a token that comes back after cancel: not stored, nothing scheduled", async () => {
      const d = deferred<RefreshResult | null>();
      const refresh = vi.fn<() => Promise<RefreshResult | null>>().mockReturnValueOnce(d.promise);
      const onRefreshed = vi.fn();
      const onSessionLost = vi.fn();
      const r = createRefresher({ refresh, onRefreshed, onSessionLost, locks: null });
      r.schedule(120);
      await vi.advanceTimersByTimeAsync(60_000); // the timer fires and the request goes out
      expect(refresh).toHaveBeenCalledTimes(1);
      r.cancel();
      d.resolve({ accessToken: "late", expiresIn: 120 });
      await vi.advanceTimersByTimeAsync(0);
      expect(onRefreshed).not.toHaveBeenCalled();
      expect(onSessionLost).not.toHaveBeenCalled();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(10_000_000);
      expect(refresh).toHaveBeenCalledTimes(1);
    });

    it("resolves false for callers that joined it", async () => {
      const d = deferred<RefreshResult | null>();
      const onRefreshed = vi.fn();
      const r = createRefresher({ refresh: () => d.promise, onRefreshed, onSessionLost: vi.fn(), locks: null });
      const p = r.refreshNow();
      r.cancel();
      d.resolve({ accessToken: "late", expiresIn: 900 });
      expect(await p).toBe(false);
      expect(onRefreshed).not.toHaveBeenCalled();
      expect(vi.getTimerCount()).toBe(0);
    });

    it("a 401 or a failure that comes back after cancel reports nothing and retries nothing", async () => {
      const lost = deferred<RefreshResult | null>();
      const failed = deferred<RefreshResult | null>();
      const refresh = vi.fn<() => Promise<RefreshResult | null>>().mockReturnValueOnce(lost.promise).mockReturnValueOnce(failed.promise);
      const onSessionLost = vi.fn();
      const r = createRefresher({ refresh, onRefreshed: vi.fn(), onSessionLost, locks: null });
      const p = r.refreshNow();
      r.cancel();
      lost.resolve(null);
      expect(await p).toBe(false);
      expect(onSessionLost).not.toHaveBeenCalled();
      r.schedule(120);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(refresh).toHaveBeenCalledTimes(2);
      r.cancel();
      failed.reject(new TypeError("Failed to fetch"));
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(0); // no retry in 15 s
      await vi.advanceTimersByTimeAsync(10_000_000);
      expect(refresh).toHaveBeenCalledTimes(2);
    });

    it("one still waiting for the lock never sends its request", async () => {
      const { locks } = fakeLocks();
      const other = deferred<void>();
      void locks.request(REFRESH_LOCK, () => other.promise); // another tab holds the lock
      const refresh = vi.fn(async () => ({ accessToken: "x", expiresIn: 900 }));
      const r = createRefresher({ refresh, onRefreshed: vi.fn(), onSessionLost: vi.fn(), locks });
      const p = r.refreshNow();
      r.cancel();
      other.resolve();
      expect(await p).toBe(false);
      expect(refresh).not.toHaveBeenCalled();
    });

    it("after cancel, a new refresh or schedule works normally (a new generation)", async () => {
      const stale = deferred<RefreshResult | null>();
      const refresh = vi
        .fn<() => Promise<RefreshResult | null>>()
        .mockReturnValueOnce(stale.promise)
        .mockResolvedValue({ accessToken: "fresh", expiresIn: 900 });
      const onRefreshed = vi.fn();
      const r = createRefresher({ refresh, onRefreshed, onSessionLost: vi.fn(), locks: null });
      const old = r.refreshNow();
      r.cancel();
      // Does not join the disowned refresh.
      expect(await r.refreshNow()).toBe(true);
      expect(onRefreshed).toHaveBeenCalledWith({ accessToken: "fresh", expiresIn: 900 });
      stale.resolve({ accessToken: "late", expiresIn: 900 });
      expect(await old).toBe(false);
      expect(onRefreshed).toHaveBeenCalledTimes(1);
      expect(vi.getTimerCount()).toBe(1); // the fresh token's schedule, only
      await vi.advanceTimersByTimeAsync(840_000);
      expect(refresh).toHaveBeenCalledTimes(3);
      expect(onRefreshed).toHaveBeenCalledTimes(2);
      r.cancel();
    });
  });

  it("a new request after one finished makes a new refresh", async () => {
    const refresh = vi.fn(async () => ({ accessToken: "x", expiresIn: 900 }));
    const r = createRefresher({ refresh, onRefreshed: vi.fn(), onSessionLost: vi.fn(), locks: null });
    await r.refreshNow();
    await r.refreshNow();
    expect(refresh).toHaveBeenCalledTimes(2);
    r.cancel();
  });
});
