// Lesson 01 — partial failures. Reference solution.
import { createSim, type CallResult, type NodeId, type Sim, type TraceEvent } from '../lib/index';

/** The ways one request can go wrong, plus the healthy case. */
export type Fault = 'none' | 'crashed' | 'slow' | 'paused' | 'request-lost' | 'response-lost' | 'connection-broken';

export const FAULTS: readonly Fault[] = ['none', 'crashed', 'slow', 'paused', 'request-lost', 'response-lost', 'connection-broken'];

/** The client sends its one request at this time, and gives up after TIMEOUT ms. */
export const REQUEST_AT = 10;
export const TIMEOUT = 100;

export type Scenario = {
  sim: Sim;
  /** Filled in by the client when its call ends: exactly one result. */
  results: CallResult[];
};

/**
 * Part 1. Build (but do not run) a world with two nodes, 'client' and
 * 'server', on a network with the default latency and the given seed. At
 * t = REQUEST_AT the client calls the server with `{ op: 'read', key: 'x' }`
 * and a TIMEOUT ms timeout, and pushes the CallResult into `results`. The
 * server replies `{ value: 42 }`, within a few ms unless the fault says
 * otherwise. Make `fault` happen:
 * - 'crashed': the server has crashed before the request arrives;
 * - 'slow': the server takes longer than TIMEOUT to reply (but does reply);
 * - 'paused': the server is paused (a stop-the-world pause) from t = 0 until
 *   after the client's timeout, then resumes and replies (the lesson did not
 *   show this one: think about what a paused node does with a message);
 * - 'request-lost': the network loses the request (the server is fine);
 * - 'response-lost': the server handles the request, the network loses the reply;
 * - 'connection-broken': a partition separates client and server.
 */
export function buildScenario(fault: Fault, seed: number): Scenario {
  const sim = createSim({ seed });
  const results: CallResult[] = [];
  sim.addNode('server', (ctx) => ({
    onRequest: (_body, reply) => {
      const work = fault === 'slow' ? TIMEOUT * 3 : 1;
      ctx.setTimer(work, () => reply({ value: 42 }), 'work');
    },
  }));
  sim.addNode('client', (ctx) => {
    ctx.setTimer(REQUEST_AT, () => ctx.call('server', { op: 'read', key: 'x' }, { timeout: TIMEOUT }, (r) => results.push(r)), 'request');
  });
  switch (fault) {
    case 'crashed':
      sim.nemesis([{ at: 0, fault: 'crash', node: 'server' }]);
      break;
    case 'paused':
      sim.nemesis([{ at: 0, fault: 'pause', node: 'server', for: REQUEST_AT + TIMEOUT * 2 }]);
      break;
    case 'request-lost':
      sim.setLink('client', 'server', { loss: 1 });
      break;
    case 'response-lost':
      sim.setLink('server', 'client', { loss: 1 });
      break;
    case 'connection-broken':
      sim.nemesis([{ at: 0, fault: 'partition', groups: [['client'], ['server']] }]);
      break;
    case 'none':
    case 'slow':
      break;
  }
  return { sim, results };
}

/**
 * Part 2. What `node` itself can observe in a trace, up to time `until`
 * (inclusive): the messages it sent, the messages delivered to it, its own
 * timers, notes, crashes and restarts. Not what happened elsewhere: not other
 * nodes' events, not drops (nobody is told), not the network's partitions.
 * Not its own pauses and resumes either: a paused node runs no code, so it
 * cannot see the pause (lesson 07: it can only notice afterwards, from a
 * timer that fired late). Keep the trace's order.
 */
export function clientView(trace: readonly TraceEvent[], node: NodeId, until = Infinity): TraceEvent[] {
  return trace.filter((e) => {
    if (e.time > until) return false;
    switch (e.type) {
      case 'send':
        return e.from === node;
      case 'deliver':
        return e.to === node;
      case 'timer':
      case 'note':
      case 'crash':
      case 'restart':
        return e.node === node;
      // 'pause' and 'resume' are not seen by the paused node itself: no code runs.
      default:
        return false;
    }
  });
}
