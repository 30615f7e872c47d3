// What every lesson experiment is run with, in one place: the seed, the
// network, and whether to keep a trace. Each lesson's config schema extends
// `ExperimentSchema` with its own fields, parses once, and builds its
// simulation with `simFromConfig(parsed)`. How config types are named: the
// README's library section, "Configs" (test/lib/conventions.test.ts checks it).
import { z } from 'zod';
import { NetworkConfigSchema, type NetworkConfigInput } from '../core/network';
import { SeedSchema } from '../core/random';
import { createSim, type Sim } from '../core/sim';

export const ExperimentSchema = z
  .object({
    seed: SeedSchema,
    /** Links between nodes; the simulator's defaults when absent. */
    network: NetworkConfigSchema.optional(),
    /** Keep a trace of every event. Long statistical runs turn it off to save memory. */
    trace: z.boolean().optional(),
  })
  .strict();

export type ExperimentInput = z.input<typeof ExperimentSchema>;
export type Experiment = z.output<typeof ExperimentSchema>;

/** What a lesson supplies when its config leaves the field out. */
export type ExperimentDefaults = {
  /** On, unless the lesson's runs are long and read only their results. */
  trace?: boolean;
  /**
   * The network a lesson builds from its own shorthand fields (a `latency`,
   * one distribution per direction), for lessons whose schema replaces
   * `network` with them (`ExperimentSchema.omit({ network: true })`).
   */
  network?: NetworkConfigInput;
};

/** The simulation an already-parsed experiment describes, the lesson's defaults filling in what it leaves out. */
export function simFromConfig(cfg: Experiment, defaults: ExperimentDefaults = {}): Sim {
  const trace = cfg.trace ?? defaults.trace;
  const network = cfg.network ?? defaults.network;
  return createSim({
    seed: cfg.seed,
    ...(network !== undefined ? { network } : {}),
    ...(trace !== undefined ? { trace } : {}),
  });
}
