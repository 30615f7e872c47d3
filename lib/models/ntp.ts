// NTP-style clock synchronization over the simulated network. A client asks a
// time server; four timestamps give the server's offset from the client and
// the round-trip delay. The offset estimate is off by at most half the
// round trip, and exactly that much if the two directions are asymmetric.
import { z } from 'zod';
import { DEFAULT_SLEW_PPM, MAX_DRIFT_PPM } from '../core/clock';
import { parseConfig } from '../core/config';
import { needsNodes, neededNodes, type Handlers, type Program } from '../core/node';
import type { NodeId } from '../core/trace';

/**
 * One exchange. t1: client sends (client clock); t2: server receives and
 * t3: server replies (server clock); t4: client receives (client clock).
 */
export type NtpSample = { t1: number; t2: number; t3: number; t4: number };

/** Server clock minus client clock, assuming both directions took equally long. */
export const ntpOffset = (s: NtpSample): number => (s.t2 - s.t1 + (s.t3 - s.t4)) / 2;
/** Time on the wire, both ways: the round trip minus the server's processing. */
export const ntpDelay = (s: NtpSample): number => s.t4 - s.t1 - (s.t3 - s.t2);

/** The sample with the lowest delay: it had the least room for asymmetry. */
export function bestSample(samples: readonly NtpSample[]): NtpSample {
  if (samples.length === 0) throw new Error('bestSample: no samples');
  return samples.reduce((best, s) => (ntpDelay(s) < ntpDelay(best) ? s : best));
}

export const NtpSyncSchema = z
  .object({
    /** The node that serves time. */
    server: z.string().min(1),
    /** ms between synchronizations (ntpd polls every 64–1024 s). */
    interval: z.number().gt(0).default(64_000),
    /** Requests per synchronization; the lowest-delay reply wins. */
    samples: z.number().int().min(1).max(64).default(4),
    /** ms to wait for replies before deciding with what came back. */
    timeout: z.number().gt(0).default(1_000),
    /** Offsets larger than this are stepped, smaller ones slewed (ntpd: 128 ms). */
    stepThreshold: z.number().min(0).default(128),
    /** Slew rate in ppm (ntpd: at most 500). */
    slewRate: z.number().gt(0).max(MAX_DRIFT_PPM).default(DEFAULT_SLEW_PPM),
    /** ms before the first synchronization. */
    firstAt: z.number().min(0).default(0),
  })
  .strict()
  .refine((c) => c.timeout < c.interval, { message: 'timeout must be shorter than interval (rounds would overlap)', path: ['timeout'] });
export type NtpSyncConfig = z.input<typeof NtpSyncSchema>;

/** What one synchronization measured and did, for charts. */
export type SyncRecord = {
  node: NodeId;
  /** True time of the decision. */
  time: number;
  offset: number;
  delay: number;
  replies: number;
  action: 'step' | 'slew' | 'none';
};

type NtpMessage =
  | { ntp: 'request'; round: number; t1: number }
  | { ntp: 'reply'; round: number; t1: number; t2: number; t3: number };

const isNtp = (body: unknown): body is NtpMessage =>
  typeof body === 'object' && body !== null && 'ntp' in body;

/** Wrap a program so that its node also answers NTP requests with its own wall clock. */
export function withTimeServer(program: Program = () => {}): Program {
  return (ctx) => {
    const inner: Handlers = program(ctx) || {};
    return {
      ...inner,
      onMessage: (msg) => {
        const body = msg.body;
        if (isNtp(body) && body.ntp === 'request') {
          const t2 = ctx.clock.wall();
          ctx.send(msg.from, { ntp: 'reply', round: body.round, t1: body.t1, t2, t3: ctx.clock.wall() } satisfies NtpMessage);
        } else inner.onMessage?.(msg);
      },
    };
  };
}

/**
 * Wrap a program so that its node keeps its wall clock in sync with a time
 * server: every `interval`, a burst of `samples` requests; the lowest-delay
 * reply gives the offset, which is stepped or slewed away. `log` receives a
 * record per synchronization.
 */
export function withNtpSync(program: Program, config: NtpSyncConfig, log?: SyncRecord[]): Program {
  const cfg = parseConfig(NtpSyncSchema, config, 'NTP config', 'ntp');
  return needsNodes((ctx) => {
    const inner: Handlers = program(ctx) || {};
    let round = 0;
    let replies: NtpSample[] = [];
    const decide = (): void => {
      const record: SyncRecord = { node: ctx.id, time: ctx.now(), offset: 0, delay: 0, replies: replies.length, action: 'none' };
      if (replies.length > 0) {
        const best = bestSample(replies);
        record.offset = ntpOffset(best);
        record.delay = ntpDelay(best);
        record.action = Math.abs(record.offset) > cfg.stepThreshold ? 'step' : 'slew';
        if (record.action === 'step') ctx.clock.step(record.offset);
        else ctx.clock.slew(record.offset, cfg.slewRate);
      }
      log?.push(record);
      replies = [];
    };
    const sync = (): void => {
      round++;
      replies = [];
      for (let i = 0; i < cfg.samples; i++) ctx.send(cfg.server, { ntp: 'request', round, t1: ctx.clock.wall() } satisfies NtpMessage);
      ctx.setTimer(cfg.timeout, decide, 'ntp decide');
      ctx.setTimer(cfg.interval, sync, 'ntp sync');
    };
    ctx.setTimer(cfg.firstAt, sync, 'ntp sync');
    return {
      ...inner,
      onMessage: (msg) => {
        const body = msg.body;
        if (isNtp(body) && body.ntp === 'reply') {
          // A reply from an earlier round is stale: its delay no longer describes now.
          if (body.round === round) replies.push({ t1: body.t1, t2: body.t2, t3: body.t3, t4: ctx.clock.wall() });
        } else inner.onMessage?.(msg);
      },
    };
  }, [...neededNodes(program), [cfg.server, 'ntp.server']]);
}
