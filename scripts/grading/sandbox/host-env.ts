// How grade-lib.ts (which starts vitest) tells host.ts (inside vitest) how to
// run the sandbox. One owner for the names, read on both sides.
export const SANDBOX_ENV = {
  /** The folder of submission files (`<id>.ts`) graded. */
  targetDir: 'FAULTLINE_TARGET_DIR',
  /** Names this run's cgroups, temporary folders and processes, so all can be swept afterwards. */
  prefix: 'FAULTLINE_SANDBOX_PREFIX',
  /** The unprivileged user the submission runs as (only when grading as root). */
  uid: 'FAULTLINE_SANDBOX_UID',
  gid: 'FAULTLINE_SANDBOX_GID',
  /** Limit on one call into the submission (default 30 s), on top of the exercise's wall-clock limit. */
  callTimeoutMs: 'FAULTLINE_CALL_TIMEOUT_MS',
  /** A folder of trusted modules compiled for tsx (transforms.ts), which the sandbox reads. */
  transforms: 'FAULTLINE_SANDBOX_TRANSFORMS',
  /** Heap limit of the sandbox process (default 768 MB). */
  memoryMb: 'FAULTLINE_SANDBOX_MEMORY_MB',
} as const;
