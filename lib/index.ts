// Faultline's public surface. Notebooks import from here: `import { createSim } from './lib/index'` (tslab needs the file name).
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
export { mean, percentile, stddev, histogram, range } from './core/stats';

// Lesson modules: retries (02), failure detectors (03), clocks seen from outside,
// timestamp ordering and TrueTime-style intervals (05).
export * from './models/retry';
export * from './models/detector';
export * from './models/phi';
export * from './models/clockwatch';
export * from './models/timestamps';
export * from './models/truetime';
// Queueing, congestion control and retransmission timeouts (04).
export * from './models/queue';
export * from './models/congestion';
export * from './models/rto';
// Logical clocks (06); leases, storage and safety checkers (07).
export * from './models/logical';
export * from './models/lease';
export * from './models/storage';
export * from './checking/checkers';
// Majority election (08), corruption and Byzantine generals (09), system models
// and the schedule shrinker (10), the capstone's replicated lock service (11).
export * from './models/election';
export * from './models/corruption';
export * from './models/byzantine';
export * from './models/system-models';
export * from './checking/shrink';
export * from './models/capstone';
