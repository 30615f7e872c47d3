// A nemesis schedule: the faults of an experiment as data, each at a virtual
// time. Parsed and checked (every node must exist) before anything runs.
import { z } from 'zod';
import { MAX_DRIFT_PPM } from './clock';
import { nonNegative } from './config';
import { LinkPatchSchema } from './network';
import { MAX_SCHEDULE_FAULTS } from './schedules';

const node = () => z.string().min(1);
const at = nonNegative();

export const FaultSchema = z.discriminatedUnion('fault', [
  z.object({ at, fault: z.literal('crash'), node: node() }).strict(),
  z.object({ at, fault: z.literal('restart'), node: node() }).strict(),
  // `for`: resume automatically after this many ms (like SIGSTOP, then SIGCONT).
  z.object({ at, fault: z.literal('pause'), node: node(), for: z.number().gt(0).optional() }).strict(),
  z.object({ at, fault: z.literal('resume'), node: node() }).strict(),
  z.object({ at, fault: z.literal('partition'), groups: z.array(z.array(node()).min(1)).min(1) }).strict(),
  z.object({ at, fault: z.literal('partition-one-way'), from: z.array(node()).min(1), to: z.array(node()).min(1) }).strict(),
  z.object({ at, fault: z.literal('heal') }).strict(),
  z.object({ at, fault: z.literal('link'), from: node(), to: node(), set: LinkPatchSchema }).strict(),
  // Clock faults, as Jepsen does them: a step (NTP resetting the clock, or an
  // operator), a strobe (the clock flips by `delta` and back, every `period`
  // ms, `count` times), and a slew (a gradual correction at `rate` ppm).
  z.object({ at, fault: z.literal('clock-step'), node: node(), delta: z.number() }).strict(),
  z
    .object({
      at,
      fault: z.literal('clock-strobe'),
      node: node(),
      delta: z.number(),
      period: z.number().gt(0),
      count: z.number().int().min(1).max(MAX_SCHEDULE_FAULTS),
    })
    .strict(),
  z
    .object({ at, fault: z.literal('clock-slew'), node: node(), delta: z.number(), rate: z.number().gt(0).max(MAX_DRIFT_PPM).optional() })
    .strict(),
]);

export const NemesisSchema = z.array(FaultSchema);
export type Fault = z.output<typeof FaultSchema>;
export type NemesisInput = z.input<typeof NemesisSchema>;

/** The node names a fault refers to, each with its path inside the fault. */
export function nodesOf(f: Fault): Array<[string, string]> {
  switch (f.fault) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'clock-step':
    case 'clock-strobe':
    case 'clock-slew':
      return [[f.node, 'node']];
    case 'partition':
      return f.groups.flatMap((g, i) => g.map((n, j): [string, string] => [n, `groups[${i}][${j}]`]));
    case 'partition-one-way':
      return [
        ...f.from.map((n, i): [string, string] => [n, `from[${i}]`]),
        ...f.to.map((n, i): [string, string] => [n, `to[${i}]`]),
      ];
    case 'link':
      return [
        [f.from, 'from'],
        [f.to, 'to'],
      ];
    case 'heal':
      return [];
  }
}

// The generators (pause, partition and random fault schedules) live in schedules.ts.
export { MAX_SCHEDULE_FAULTS, PauseScheduleSchema, pauseSchedule, type PauseScheduleConfig } from './schedules';
