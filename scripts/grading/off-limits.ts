// Library exports an exercise asks students to write themselves. The sandbox
// refuses them when a submission imports them (sandbox/guard.ts), with a
// message that says so; the exercise stubs' header comments say the same.
export const OFF_LIMITS: Readonly<Record<string, readonly string[]>> = {
  '05-unreliable-clocks': ['ntpOffset', 'ntpDelay', 'bestSample', 'clockInterval', 'ntpInterval'],
  '06-logical-clocks': ['lamportClock', 'vectorClock', 'vectorTick', 'vectorMerge', 'vectorCompare', 'stampHistory', 'causalOrder'],
  '07-process-pauses': ['lockService', 'storageNode'],
  '08-truth-and-majority': ['electionNode', 'decideVote', 'majority'],
  '09-byzantine-faults': ['openFrame', 'oralMessages', 'majorityOrder'],
  '10-system-models': ['atMostOneLeaderPerTerm', 'leaderNotes', 'stableLeaderSince'],
  '11-capstone': ['correctRules', 'noSharedTokens', 'capstoneSafety', 'capstoneVerdicts', 'singleLeaseHolder'],
  // The lab asks for a replicated register node from an empty handler set: not the library's replicas.
  'lab-kv': ['quorumReplica', 'lwwReplica', 'singleCopy', 'registers'],
};
