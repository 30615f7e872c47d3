// Lesson 01 — partial failures. Your turn: replace each `throw` with an implementation.
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
  throw new Error('not implemented: buildScenario');
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
  throw new Error('not implemented: clientView');
}
