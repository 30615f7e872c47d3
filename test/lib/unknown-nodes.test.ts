// A misspelt node name is a ConfigError with a path wherever it is written:
// at the call for the simulator's own methods, and when the run starts
// (before any event) for names inside the scenario: links, nemesis entries,
// and the nodes a lesson's program talks to.
import { describe, expect, test } from 'vitest';
import { lockClient, lockReplica } from '../../lib/models/capstone';
import { ConfigError } from '../../lib/core/config';
import { heartbeatSender, monitor } from '../../lib/models/detector';
import { electionNode } from '../../lib/models/election';
import { leaseClient } from '../../lib/models/lease';
import { withNtpSync } from '../../lib/models/ntp';
import type { Program } from '../../lib/core/node';
import { createSim, type Sim, type SimConfig } from '../../lib/core/sim';

const idle: Program = () => {};

function twoNodes(config: Partial<SimConfig> = {}): Sim {
  const sim = createSim({ seed: 1, ...config });
  sim.addNode('a', idle);
  sim.addNode('b', idle);
  return sim;
}

/** The ConfigError `f` throws, or a failure saying it threw something else. */
function configErrorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw new Error(`expected a ConfigError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe("the simulator's methods", () => {
  test.each<[string, (sim: Sim) => unknown, string]>([
    ['status', (s) => s.status('zz'), 'status(zz)'],
    ['clock', (s) => s.clock('zz'), 'clock(zz)'],
    ['crash', (s) => s.crash('zz'), 'crash(zz)'],
    ['restart', (s) => s.restart('zz'), 'restart(zz)'],
    ['pause', (s) => s.pause('zz'), 'pause(zz)'],
    ['resume', (s) => s.resume('zz'), 'resume(zz)'],
    ['stepClock', (s) => s.stepClock('zz', 5), 'clock(zz)'],
    ['slewClock', (s) => s.slewClock('zz', 5), 'clock(zz)'],
    ['partition', (s) => s.partition(['a'], ['zz']), 'partition.groups[1][0]'],
    ['partitionOneWay', (s) => s.partitionOneWay('a', ['b', 'zz']), 'partitionOneWay.to[1]'],
    ['link', (s) => s.link('a', 'zz'), 'link.to'],
    ['setLink', (s) => s.setLink('zz', 'a', { loss: 0.1 }), 'link.from'],
    ['nemesis', (s) => s.nemesis([{ at: 5, fault: 'pause', node: 'zz', for: 10 }]), 'nemesis[0].node'],
  ])('does sim.%s with an unknown node throw a ConfigError naming it and the call?', (_, call, path) => {
    const sim = twoNodes();
    const e = configErrorOf(() => call(sim));
    expect(e.issues).toEqual([{ path, message: "unknown node 'zz' (nodes: a, b)" }]);
    expect(sim.trace).toHaveLength(0);
  });

  test('does a program sending to an unknown node fail at the send, naming the sender?', () => {
    const sim = createSim({ seed: 1 });
    sim.addNode('a', (ctx) => void ctx.setTimer(3, () => ctx.send('zz', 'hi')));
    const e = configErrorOf(() => sim.run({ until: 10 }));
    expect(e.issues[0]?.path).toBe('nodes.a.send(to)');
  });
});

describe('names inside the scenario are checked when the run starts, before any event', () => {
  test('is a link to an unknown node in the network config caught?', () => {
    const sim = twoNodes({ network: { links: [{ from: 'a', to: 'zz', loss: 0.5 }] } });
    const e = configErrorOf(() => sim.run({ until: 10 }));
    expect(e.issues).toEqual([{ path: 'config.network.links[0].to', message: "unknown node 'zz' (nodes: a, b)" }]);
    expect(sim.trace).toHaveLength(0);
  });

  // Each program is added as node 'p' beside 'a' and 'b'; the misspelt name is 'zz'.
  test.each<[string, () => Program, string]>([
    ['monitor.watch', () => monitor({ watch: 'zz' }).program, 'nodes.p.monitor.watch'],
    ['heartbeatSender.to', () => heartbeatSender({ to: 'zz' }), 'nodes.p.heartbeat.to'],
    ['an election peer', () => electionNode({ peers: ['p', 'a', 'zz'] }), 'nodes.p.election.peers[2]'],
    ['a lease client’s lock service', () => leaseClient({ lockService: 'zz', storage: 'b' }), 'nodes.p.client.lockService'],
    ['a lease client’s storage', () => leaseClient({ lockService: 'a', storage: 'zz' }), 'nodes.p.client.storage'],
    ['an NTP server', () => withNtpSync(idle, { server: 'zz' }), 'nodes.p.ntp.server'],
    ['a lock replica’s peer', () => lockReplica({ peers: ['p', 'zz', 'a'] }), 'nodes.p.replica.peers[1]'],
    ['a lock client’s replica', () => lockClient({ replicas: ['a', 'zz'], storage: 'b' }), 'nodes.p.client.replicas[1]'],
    ['a lock client’s storage', () => lockClient({ replicas: ['a'], storage: 'zz' }), 'nodes.p.client.storage'],
  ])('is a misspelt %s caught with its path?', (_, program, path) => {
    const sim = twoNodes();
    sim.addNode('p', program());
    const e = configErrorOf(() => sim.run({ until: 10 }));
    expect(e.issues).toEqual([{ path, message: "unknown node 'zz' (nodes: a, b, p)" }]);
    expect(sim.trace).toHaveLength(0);
  });

  test('are correct names let through (the check is not a blanket refusal)?', () => {
    const sim = twoNodes();
    sim.addNode('p', heartbeatSender({ to: 'a' }));
    sim.addNode('r', lockClient({ replicas: ['a'], storage: 'b' }));
    sim.run({ until: 10 });
    expect(sim.trace.some((e) => e.type === 'send' && e.from === 'p')).toBe(true);
  });
});
