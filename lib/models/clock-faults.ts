// Ways a time-of-day clock ends up wrong in practice, each as a small seeded
// scenario on the simulator's clocks: a leap second (stepped or smeared), a
// VM whose clock stood still while it was paused, an NTP client behind a
// firewall that drifts freely, and a client that trusts a lying NTP server.
import { z } from 'zod';
import { parseConfig } from '../core/config';
import { SeedSchema } from '../core/random';
import type { Sim } from '../core/sim';
import { simFromConfig } from './experiment';
import { watchOffsets, type OffsetSample } from './clockwatch';
import { withNtpSync, withTimeServer, type SyncRecord } from './ntp';

const HOUR = 3_600_000;

export const LeapSecondSchema = z
  .object({
    /** 'step': the clock repeats a second at the leap; 'smear': it runs slow for `smearHours` instead (Google, AWS). */
    mode: z.enum(['step', 'smear']),
    smearHours: z.number().gt(0).max(48).default(24),
    /** An application takes a timestamp this often around the leap, ms. */
    stampEvery: z.number().gt(0).max(1000).default(100),
  })
  .strict();
export type LeapSecondConfig = z.input<typeof LeapSecondSchema>;

export type LeapSecondResult = {
  /** True time of the leap, ms; POSIX UTC reads 1000 ms less than true time from here on. */
  leapAt: number;
  /** Clock minus POSIX UTC, sampled through the smear window. */
  utcError: Array<{ time: number; error: number }>;
  /** Timestamps taken within 2 s of the leap. */
  stamps: Array<{ time: number; wall: number }>;
  /** Stamps not later than a stamp taken before them: misordered events, negative durations. */
  outOfOrder: number;
  maxUtcError: number;
};

/** One host's clock through a positive leap second. */
export function leapSecond(config: LeapSecondConfig): LeapSecondResult {
  const cfg = parseConfig(LeapSecondSchema, config, 'leap second config', 'leapSecond');
  const window = cfg.smearHours * HOUR;
  const leapAt = window / 2 + HOUR;
  const sim = simFromConfig({ seed: 1, trace: false }); // nothing random happens here
  sim.addNode('host', () => {});
  if (cfg.mode === 'step') sim.at(leapAt, () => sim.stepClock('host', -1000));
  else sim.at(leapAt - window / 2, () => sim.slewClock('host', -1000, (1000 / window) * 1e6));
  const utc = (t: number): number => (t < leapAt ? t : t - 1000);
  const utcError: LeapSecondResult['utcError'] = [];
  for (let t = 0; t <= leapAt + window / 2 + HOUR; t += window / 96) {
    sim.at(t, () => utcError.push({ time: t, error: sim.clock('host').wall() - utc(t) }));
  }
  const stamps: LeapSecondResult['stamps'] = [];
  for (let t = leapAt - 2000; t < leapAt + 2000; t += cfg.stampEvery) {
    sim.at(t, () => stamps.push({ time: t, wall: sim.clock('host').wall() }));
  }
  sim.run();
  let latest = -Infinity, outOfOrder = 0;
  for (const s of stamps) {
    if (s.wall <= latest) outOfOrder++;
    latest = Math.max(latest, s.wall);
  }
  return { leapAt, utcError, stamps, outOfOrder, maxUtcError: Math.max(...utcError.map((e) => Math.abs(e.error))) };
}

export const VmPauseSchema = z
  .object({
    seed: SeedSchema.default(1),
    pauseAt: z.number().min(0).default(2000),
    /** How long the hypervisor keeps the VM stopped (live migration, snapshot, overcommit). */
    pauseFor: z.number().gt(0).default(5000),
    /** After resuming, how long until the guest notices its clock is behind and steps it forward. */
    resyncAfter: z.number().min(0).default(3000),
    /** The application's tick, ms. */
    tick: z.number().gt(0).default(100),
    durationMs: z.number().gt(0).default(15_000),
  })
  .strict();
export type VmPauseConfig = z.input<typeof VmPauseSchema>;

export type VmPauseResult = {
  sim: Sim;
  /** What the application on the VM read at each tick. */
  ticks: Array<{ time: number; wall: number }>;
  /** Largest forward jump between consecutive ticks' wall readings, ms. */
  largestJump: number;
};

/**
 * A VM is stopped for `pauseFor` ms. Its guest clock did not tick meanwhile,
 * so it resumes `pauseFor` behind, then jumps forward when it resyncs.
 */
export function vmPause(config: VmPauseConfig = {}): VmPauseResult {
  const cfg = parseConfig(VmPauseSchema, config, 'VM pause config', 'vmPause');
  const sim = simFromConfig({ seed: cfg.seed });
  const ticks: VmPauseResult['ticks'] = [];
  sim.addNode('vm', (ctx) => {
    const tick = (): void => {
      ticks.push({ time: ctx.now(), wall: ctx.clock.wall() });
      if (ctx.now() + cfg.tick <= cfg.durationMs) ctx.setTimer(cfg.tick, tick, 'tick');
    };
    ctx.setTimer(0, tick, 'tick');
  });
  const resumeAt = cfg.pauseAt + cfg.pauseFor;
  sim.at(cfg.pauseAt, () => sim.pause('vm'));
  // The guest's clock stood still: on resume it reads what it read when it stopped.
  sim.at(resumeAt, () => {
    sim.stepClock('vm', -cfg.pauseFor);
    sim.resume('vm');
  });
  sim.at(resumeAt + cfg.resyncAfter, () => sim.stepClock('vm', cfg.pauseFor));
  sim.run();
  let largestJump = 0;
  for (let i = 1; i < ticks.length; i++) largestJump = Math.max(largestJump, ticks[i]!.wall - ticks[i - 1]!.wall - cfg.tick);
  return { sim, ticks, largestJump };
}

export const NtpTroubleSchema = z
  .object({
    seed: SeedSchema,
    hours: z.number().gt(0).max(48).default(6),
    /** Every client's oscillator error, ppm (quartz: within ±200). */
    drift: z.number().min(-1000).max(1000).default(120),
    /** How far the lying server's clock is off, ms (a misconfigured or broken time source). */
    liarOffset: z.number().default(30_000),
  })
  .strict();
export type NtpTroubleConfig = z.input<typeof NtpTroubleSchema>;

export type NtpTroubleResult = {
  sim: Sim;
  /** Offsets of 'synced', 'firewalled' and 'follower' every 5 minutes. */
  offsets: OffsetSample[];
  /** Each client's synchronisations: the firewalled one hears no replies and never complains. */
  syncs: Record<'synced' | 'firewalled' | 'follower', SyncRecord[]>;
};

/**
 * Three clients with the same drifting oscillator: one syncs with an honest
 * server, one is behind a firewall that drops NTP replies, one syncs with a
 * server whose own clock is `liarOffset` ms off.
 */
export function ntpTrouble(config: NtpTroubleConfig): NtpTroubleResult {
  const cfg = parseConfig(NtpTroubleSchema, config, 'NTP trouble config', 'ntpTrouble');
  const sim = simFromConfig({ seed: cfg.seed, trace: false }, { network: { links: [{ from: 'server', to: 'firewalled', loss: 1 }] } });
  sim.addNode('server', withTimeServer());
  sim.addNode('liar', withTimeServer(), { clock: { offset: cfg.liarOffset } });
  const syncs: NtpTroubleResult['syncs'] = { synced: [], firewalled: [], follower: [] };
  const client = (name: keyof typeof syncs, server: string): void =>
    sim.addNode(name, withNtpSync(() => {}, { server, firstAt: 1000 }, syncs[name]), { clock: { drift: cfg.drift } });
  client('synced', 'server');
  client('firewalled', 'server');
  client('follower', 'liar');
  const until = cfg.hours * HOUR;
  const offsets = watchOffsets(sim, ['synced', 'firewalled', 'follower'], 5 * 60_000, until);
  sim.run({ until });
  return { sim, offsets, syncs };
}
