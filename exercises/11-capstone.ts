// Lesson 11 — capstone. Your turn: replace each `throw` with an implementation.
//
// The replicated lock service of the lesson (lib/models/capstone.ts) takes its two
// critical decisions from a `LockRules` object. `shipped`, below, is what it ships
// with. It passes every calm run. Under faults, now and then, the file in the
// fenced storage ends up with writes that should never have been accepted side by
// side. Nobody knows why. Hunt it down, in four steps graded separately:
//
//   (a) checkRun       a checker that catches it in a trace
//   (b) shrinkFailure  the smallest failing run you can find
//   (c) drawFailure    a figure that shows it
//   (d) vote, nextToken: the fixed rules
//
// Write the checker yourself: the checkers of lib/checking/capstone-checks.ts and
// `correctRules` are off limits (the sandbox refuses them). Everything else of lib/
// is yours: runCapstone, capstoneNemesis, capstoneScenario, storyOf, acceptedWrites
// and leaseGrants (lib/checking/checkers.ts), shrink (lib/checking/shrink.ts),
// spaceTimeDiagram (lib/plot/spacetime.ts).
import type { TraceEvent } from '../lib/core/trace';
import type { Fault } from '../lib/core/nemesis';
import type { Figure } from '../lib/plot/figure';
import type { LockRules, TokenView, VoteView } from '../lib/models/capstone';

export type { TokenView, VoteView };

/** The rules the lock service ships with. Run them with runCapstone(config, schedule, until, shipped). */
export const shipped: LockRules = {
  vote: (v) => v.candidateTerm === v.term && (v.votedFor === null || v.votedFor === v.candidate),
  nextToken: (v) => v.lastTokenSeen + 1,
};

/**
 * What your checker says about a run. `events`: indices into the trace you
 * were given of the events that prove the violation (at least the storage's
 * handling of the writes it should not have accepted), so a reader can find them.
 */
export type Finding = { ok: true } | { ok: false; message: string; events: number[] };

/**
 * Part (a). Judge one run's trace (run.sim.trace of a capstone run: two clients,
 * three replicas, 'storage'). Return ok: false exactly when the run shows the
 * failure described above; ok: true for a run where nothing bad happened, even
 * with the shipped rules. The grader runs it on failing and on healthy runs.
 */
export function checkRun(trace: readonly TraceEvent[]): Finding {
  throw new Error('not implemented: checkRun');
}

/**
 * Part (b). A run of `shipped` with this seed, schedule and length fails your
 * checker. Return a smaller run that still fails: a sub-list of `schedule` (the
 * faults themselves, unchanged) and a length no longer than `until`. The grader
 * replays it and judges it with its own checker; the fewer faults, the better
 * (a handful at most).
 */
export function shrinkFailure(seed: number, schedule: readonly Fault[], until: number): { schedule: Fault[]; until: number } {
  throw new Error('not implemented: shrinkFailure');
}

/**
 * Part (c). A figure of a failing run that a reader can understand at a glance:
 * a Plotly figure (a space-time diagram is a good start) whose annotations
 * (`layout.annotations`, in data coordinates: x is the time in ms) sit at the
 * offending events and name what went wrong there, with the numbers that matter.
 * Whatever the figure shows must include those events.
 */
export function drawFailure(trace: readonly TraceEvent[]): Figure {
  throw new Error('not implemented: drawFailure');
}

/**
 * Part (d). The fixed rules: how a replica votes (it has already adopted
 * `v.candidateTerm` if that was newer, so `v.term >= v.candidateTerm`), and the
 * fencing token of a leader's next grant (`v.grantInTerm` counts 1, 2, 3, ...
 * within the leader's term; `v.lastTokenSeen` is the highest token this replica
 * has issued or heard of). Terms stay below 1000 and a leader makes fewer than
 * 1,000,000 grants per term; a token must be a safe integer. The grader runs your
 * rules under the nemesis over many seeds, with its own checkers.
 */
export function vote(v: VoteView): boolean {
  throw new Error('not implemented: vote');
}

export function nextToken(v: TokenView): number {
  throw new Error('not implemented: nextToken');
}
