// Faultline's public surface: the simulator and what every lesson uses with it.
// Notebooks import from here: `import { createSim } from './lib/index'` (tslab
// needs the file name). A lesson's own protocols are not re-exported: import
// them by file, e.g. `import { electionCluster } from './lib/models/election'`,
// so each name has one door and a lesson shows where its model lives.
export { createSim, SimConfigSchema, RunOptionsSchema } from './core/sim';
export type { Sim, SimConfig, RunOptions, RunResult } from './core/sim';
export type { Program, Handlers, NodeContext, NodeOptions, Message, CallResult, CallOptions, NodeStatus } from './core/node';
export { LinkSchema, LinkPatchSchema, NetworkConfigSchema } from './core/network';
export type { Link, LinkPatch, NetworkConfigInput } from './core/network';
export { FaultSchema, NemesisSchema, PauseScheduleSchema, pauseSchedule } from './core/nemesis';
export type { Fault, NemesisInput, PauseScheduleConfig } from './core/nemesis';
export { createRng, distribution, sample, meanOf, describe as describeDistribution, DistributionSchema, SeedSchema } from './core/random';
export type { Rng, Seed, Distribution, DistributionInput } from './core/random';
export { eventsOf, formatEvent, formatTrace, truncatedCount } from './core/trace';
export type { TraceEvent, TraceEventType, NodeId, DropReason } from './core/trace';
export { createClock, ClockConfigSchema, MAX_DRIFT_PPM, DEFAULT_SLEW_PPM } from './core/clock';
export type { ClockConfig, NodeClock } from './core/clock';
export { ntpOffset, ntpDelay, bestSample, withNtpSync, withTimeServer, NtpSyncSchema } from './models/ntp';
export type { NtpSample, NtpSyncConfig, SyncRecord } from './models/ntp';
export { ConfigError, SimulationError, parseConfig } from './core/config';
export { needsNodes, neededNodes } from './core/node';
export type { NodeRef } from './core/node';
export { MAX_SCHEDULE_FAULTS } from './core/schedules';
export { PayloadError } from './core/payload';
export type { TraceOptions } from './core/world';
export { mean, percentile, percentiles, stddev, histogram, range } from './core/stats';
