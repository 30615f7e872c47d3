// Lesson 11 — capstone: reference solution.
import { TERM_SPAN, type TokenView, type VoteView } from '../lib/models/capstone';

export type { TokenView, VoteView };

/** One vote per term, for the candidate of the current term; the same candidate may ask again. */
export function vote(v: VoteView): boolean {
  return v.candidateTerm === v.term && (v.votedFor === null || v.votedFor === v.candidate);
}

/**
 * The term in the high digits: there is at most one leader per term, so a
 * term's tokens are its own, and any later term's are larger. The counter
 * restarts in each term, and lastTokenSeen is not needed at all.
 */
export function nextToken(v: TokenView): number {
  return v.term * TERM_SPAN + v.grantInTerm;
}
