import { describe, expect, test } from 'vitest';
import { runRetries, timeoutFromSamples } from '../../lib/models/rto';

describe('retransmission timeouts under load', () => {
  test('a generous timeout never fires: every request completes once, nothing is wasted', () => {
    const r = runRetries({ seed: 1, requests: 5000, utilization: 0.7, timeout: 1000 });
    expect([r.timeouts, r.retransmissions, r.wastedWork, r.failed, r.dropped]).toEqual([0, 0, 0, 0, 0]);
    expect(r.completed).toBe(5000);
    expect(Math.abs(r.serverUtilization - 0.7)).toBeLessThan(0.05);
    expect(Math.min(...r.latencies)).toBeGreaterThanOrEqual(2); // two propagation delays at least
  });

  test('a timeout shorter than the round trip fires spuriously and wastes the server on duplicates', () => {
    const r = runRetries({ seed: 1, requests: 5000, utilization: 0.7, timeout: 4 });
    expect(r.spuriousTimeouts).toBeGreaterThan(0);
    expect(r.spuriousTimeouts).toBeLessThanOrEqual(r.timeouts);
    expect(r.wastedWork).toBeGreaterThan(0);
    expect(r.serverUtilization).toBeGreaterThan(0.7);
    expect(r.completed + r.failed).toBe(5000);
  });

  test('without retries, a timeout is spurious exactly when the round trip took longer (nothing is dropped)', () => {
    const long = runRetries({ seed: 4, requests: 4000, utilization: 0.5, timeout: 1e6, maxRetries: 0 });
    const t = 6;
    const short = runRetries({ seed: 4, requests: 4000, utilization: 0.5, timeout: t, maxRetries: 0 });
    expect(short.spuriousTimeouts).toBe(long.latencies.filter((l) => l > t).length);
    expect(short.failed).toBe(short.timeouts);
  });

  test('timeoutFromSamples: a percentile plus a margin', () => {
    expect(timeoutFromSamples([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 5)).toBe(14);
    expect(() => timeoutFromSamples([1], 50, -1)).toThrow(/margin/);
    expect(() => runRetries({ seed: 1, requests: 10, utilization: 0.5, timeout: 0 })).toThrow(/experiment\.timeout/);
  });
});
