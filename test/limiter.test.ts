import { describe, expect, it } from "vitest";
import { BusyError } from "../src/errors.js";
import { createLimiter } from "../src/limiter.js";

describe("limiter", () => {
  it("runs at most `concurrency` at once, queues up to `queue`, refuses the rest", async () => {
    const limiter = createLimiter(2, 1);
    const r1 = await limiter.acquire();
    const r2 = await limiter.acquire();
    let thirdStarted = false;
    const third = limiter.acquire().then((r) => {
      thirdStarted = true;
      return r;
    });
    await expect(limiter.acquire()).rejects.toBeInstanceOf(BusyError);
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(1);
    await Promise.resolve();
    expect(thirdStarted).toBe(false);
    r1();
    const r3 = await third;
    expect(thirdStarted).toBe(true);
    expect(limiter.active).toBe(2);
    r1(); // releasing twice must not free a second slot
    expect(limiter.active).toBe(2);
    r2();
    r3();
    expect(limiter.active).toBe(0);
  });

  it("a waiter that aborts leaves the queue", async () => {
    const limiter = createLimiter(1, 5);
    const r = await limiter.acquire();
    const ac = new AbortController();
    const waiting = limiter.acquire(ac.signal);
    expect(limiter.waiting).toBe(1);
    ac.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(limiter.waiting).toBe(0);
    r();
    expect(limiter.active).toBe(0);
  });

  it("tryAcquire takes a free slot at once and never queues", async () => {
    const limiter = createLimiter(1, 5);
    const r = limiter.tryAcquire();
    expect(r).not.toBeNull();
    expect(limiter.active).toBe(1);
    expect(limiter.tryAcquire()).toBeNull();
    expect(limiter.waiting).toBe(0);
    const waiting = limiter.acquire();
    r?.();
    const next = await waiting; // the slot went to the waiter, not back to the pool
    expect(limiter.active).toBe(1);
    expect(limiter.tryAcquire()).toBeNull();
    next();
    expect(limiter.active).toBe(0);
  });
});
