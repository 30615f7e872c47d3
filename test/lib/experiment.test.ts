import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/core/config';
import { ExperimentSchema, simFromConfig } from '../../lib/models/experiment';
import { runQueue } from '../../lib/models/queue';

describe('the base config of lesson experiments', () => {
  test('does a lesson schema that extends it reject a bad seed and an unknown field, naming the path?', () => {
    const Lesson = ExperimentSchema.extend({ rounds: ExperimentSchema.shape.seed }).strict();
    expect(() => parseConfig(Lesson, { seed: 1.5, rounds: 1 }, 'lesson')).toThrow(/→ at lesson\.seed/);
    expect(() => parseConfig(Lesson, { seed: 1, rounds: 1, sede: 2 }, 'lesson')).toThrow(ConfigError);
    expect(() => runQueue({ seed: 1, utilization: 0.5, packets: 10, trace: 'yes' } as never)).toThrow(/at experiment\.trace/);
  });

  test('does simFromConfig keep the seed, the network and the trace switch (the lesson default when absent)?', () => {
    const cfg = parseConfig(ExperimentSchema, { seed: 'x', network: { latency: 7 } }, 'experiment');
    const quiet = simFromConfig(cfg, { trace: false });
    const loud = simFromConfig(cfg);
    for (const sim of [quiet, loud]) {
      sim.addNode('a', (ctx) => void ctx.setTimer(0, () => ctx.send('b', 'hi')));
      sim.addNode('b', () => ({}));
      sim.run();
    }
    expect(quiet.seed).toBe('x');
    expect(quiet.trace).toEqual([]);
    const delivered = loud.trace.find((e) => e.type === 'deliver');
    expect(delivered?.time).toBe(7);
    expect(simFromConfig(parseConfig(ExperimentSchema, { seed: 1, trace: true }, 'e'), { trace: false }).seed).toBe(1);
  });

  test("does a lesson's network shorthand apply only when the config has no network of its own?", () => {
    const Lesson = ExperimentSchema.omit({ network: true }).strict();
    const run = (sim: ReturnType<typeof simFromConfig>): number | undefined => {
      sim.addNode('a', (ctx) => void ctx.setTimer(0, () => ctx.send('b', 'hi')));
      sim.addNode('b', () => ({}));
      sim.run();
      return sim.trace.find((e) => e.type === 'deliver')?.time;
    };
    const parsed = parseConfig(Lesson, { seed: 3 }, 'lesson');
    expect(run(simFromConfig(parsed, { network: { latency: 11 } }))).toBe(11);
    const own = parseConfig(ExperimentSchema, { seed: 3, network: { latency: 5 } }, 'experiment');
    expect(run(simFromConfig(own, { network: { latency: 11 } }))).toBe(5);
    expect(() => parseConfig(Lesson, { seed: 3, network: {} }, 'lesson')).toThrow(/lesson/);
  });
});
