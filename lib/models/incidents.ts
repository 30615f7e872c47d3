// Network faults in practice, replayed. Two incidents of the kind that public
// postmortems describe: a switch software upgrade during which packets were
// held for over a minute and then delivered, and a link that fails in one
// direction only, so each side believes something different.
import { z } from 'zod';
import { parseConfig } from '../core/config';
import { SeedSchema } from '../core/random';
import type { Sim } from '../core/sim';
import { simFromConfig } from './experiment';

export const SwitchUpgradeSchema = z
  .object({
    seed: SeedSchema,
    /** When the switch starts reconfiguring, and for how long it holds packets, ms. */
    upgradeAt: z.number().min(0).default(2000),
    holdFor: z.number().gt(0).max(600_000).default(60_000),
    heartbeatEvery: z.number().gt(0).default(100),
    /** The follower's failure detector timeout (monotonic clock), ms. */
    timeout: z.number().gt(0).default(1000),
  })
  .strict();
export type SwitchUpgradeConfig = z.input<typeof SwitchUpgradeSchema>;

export type SwitchUpgradeResult = {
  sim: Sim;
  /** Every heartbeat the follower received: when it was sent and how long it took. */
  arrivals: Array<{ sentAt: number; delay: number; receivedAt: number }>;
  /** When the follower's detector declared the leader dead, and when it took that back. */
  suspectedAt: number | null;
  trustedAgainAt: number | null;
};

/**
 * A leader heartbeats a follower through a switch. During the upgrade the
 * switch holds every packet until it finishes (none is lost), then delivers
 * them all at once: a partition that looks like a crash, then a flood of
 * stale messages from a "dead" node.
 */
export function switchUpgrade(config: SwitchUpgradeConfig): SwitchUpgradeResult {
  const cfg = parseConfig(SwitchUpgradeSchema, config, 'switch upgrade config', 'switchUpgrade');
  const sim = simFromConfig({ seed: cfg.seed });
  const end = cfg.upgradeAt + cfg.holdFor;
  let base: ReturnType<Sim['link']>['latency'] | undefined; // the link's usual latency, read once the nodes exist
  const arrivals: SwitchUpgradeResult['arrivals'] = [];
  let suspectedAt: number | null = null, trustedAgainAt: number | null = null;
  sim.addNode('leader', (ctx) => {
    const beat = (): void => {
      const t = ctx.now();
      base ??= sim.link('leader', 'follower').latency; // before the switch touches it
      // The switch holds what enters it until the upgrade is over.
      if (t >= cfg.upgradeAt && t < end) sim.setLink('leader', 'follower', { latency: end - t + 1 });
      else sim.setLink('leader', 'follower', { latency: base });
      ctx.send('follower', { beat: t });
      ctx.setTimer(cfg.heartbeatEvery, beat, 'heartbeat');
    };
    ctx.setTimer(0, beat, 'heartbeat');
  });
  sim.addNode('follower', (ctx) => {
    let timer = -1;
    const arm = (): void => {
      ctx.cancelTimer(timer);
      timer = ctx.setTimer(cfg.timeout, () => {
        if (suspectedAt === null) suspectedAt = ctx.now();
        ctx.note('leader suspected dead');
      }, 'detector');
    };
    arm();
    return {
      onMessage: (msg) => {
        arrivals.push({ sentAt: msg.sentAt, delay: ctx.now() - msg.sentAt, receivedAt: ctx.now() });
        if (suspectedAt !== null && trustedAgainAt === null) trustedAgainAt = ctx.now();
        arm();
      },
    };
  });
  sim.run({ until: end + 5000 });
  return { sim, arrivals, suspectedAt, trustedAgainAt };
}

export const OneWayLinkSchema = z
  .object({
    seed: SeedSchema,
    /** The server → client direction fails at `failAt` for `failFor` ms; client → server keeps working. */
    failAt: z.number().min(0).default(1000),
    failFor: z.number().gt(0).default(2000),
    /** The client sends an increment every `every` ms, retrying each up to `attempts` times. */
    every: z.number().gt(0).default(100),
    attempts: z.number().int().min(1).max(10).default(3),
    timeout: z.number().gt(0).default(50),
    durationMs: z.number().gt(0).default(4000),
  })
  .strict();
export type OneWayLinkConfig = z.input<typeof OneWayLinkSchema>;

export type OneWayLinkResult = {
  sim: Sim;
  /** What the server did: requests executed, including retried copies. */
  executed: number;
  /** Distinct increments the client meant; how many it saw acknowledged; how many it gave up on. */
  intended: number;
  acknowledged: number;
  gaveUp: number;
};

/**
 * A client increments a counter on a server with retries. The reply path
 * fails: the server keeps receiving (and executing) every attempt, so it
 * believes the client is healthy, while the client sees only timeouts.
 */
export function oneWayLink(config: OneWayLinkConfig): OneWayLinkResult {
  const cfg = parseConfig(OneWayLinkSchema, config, 'one-way link config', 'oneWayLink');
  const sim = simFromConfig({ seed: cfg.seed });
  let executed = 0, intended = 0, acknowledged = 0, gaveUp = 0;
  sim.addNode('server', () => ({ onRequest: (_body, reply) => reply({ value: ++executed }) }));
  sim.addNode('client', (ctx) => {
    const send = (id: number, attempt: number): void =>
      ctx.call('server', { increment: id }, { timeout: cfg.timeout }, (r) => {
        if (r.status === 'ok') acknowledged++;
        else if (attempt < cfg.attempts) send(id, attempt + 1);
        else gaveUp++;
      });
    const next = (): void => {
      if (ctx.now() >= cfg.durationMs) return;
      send(++intended, 1);
      ctx.setTimer(cfg.every, next, 'next increment');
    };
    ctx.setTimer(0, next, 'next increment');
  });
  sim.at(cfg.failAt, () => sim.partitionOneWay('server', 'client'));
  sim.at(cfg.failAt + cfg.failFor, () => sim.heal());
  sim.run();
  return { sim, executed, intended, acknowledged, gaveUp };
}
