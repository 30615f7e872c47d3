// Faultline's public surface. Notebooks import from here: `import { createSim } from './lib/index'` (tslab needs the file name).
export { createSim, SimConfigSchema, RunOptionsSchema } from './sim';
export type { Sim, SimConfig, RunOptions, RunResult } from './sim';
export type { Program, Handlers, NodeContext, NodeOptions, Message, CallResult, CallOptions, NodeStatus } from './node';
export { LinkSchema, LinkPatchSchema, NetworkConfigSchema } from './network';
export type { Link, LinkPatch, NetworkConfigInput } from './network';
export { FaultSchema, NemesisSchema, PauseScheduleSchema, pauseSchedule } from './nemesis';
export type { Fault, NemesisInput, PauseScheduleConfig } from './nemesis';
export { createRng, distribution, sample, meanOf, describe as describeDistribution, DistributionSchema, SeedSchema } from './random';
export type { Rng, Seed, Distribution, DistributionInput } from './random';
export { eventsOf, formatEvent, formatTrace } from './trace';
export type { TraceEvent, TraceEventType, NodeId, DropReason } from './trace';
export { createClock, ClockConfigSchema, MAX_DRIFT_PPM, DEFAULT_SLEW_PPM } from './clock';
export type { ClockConfig, NodeClock } from './clock';
export { ntpOffset, ntpDelay, bestSample, withNtpSync, withTimeServer, NtpSyncSchema } from './ntp';
export type { NtpSample, NtpSyncConfig, SyncRecord } from './ntp';
export { ConfigError, parseConfig } from './config';
export { mean, percentile, stddev, histogram, range } from './stats';

// Lesson modules: retries (02), failure detectors (03), clocks seen from outside,
// timestamp ordering and TrueTime-style intervals (05).
export * from './retry';
export * from './detector';
export * from './phi';
export * from './clockwatch';
export * from './timestamps';
export * from './truetime';
// Queueing, congestion control and retransmission timeouts (04).
export * from './queue';
export * from './congestion';
export * from './rto';
// Logical clocks (06); leases, storage and safety checkers (07).
export * from './logical';
export * from './lease';
export * from './storage';
export * from './checkers';
// Majority election (08), corruption and Byzantine generals (09), system models
// and the schedule shrinker (10), the capstone's replicated lock service (11).
export * from './election';
export * from './corruption';
export * from './byzantine';
export * from './models';
export * from './shrink';
export * from './capstone';
