// Gradescope's autograder results format (results.json), as documented in
// https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output
// format"). Used to check what `npm run grade -- --out` and the Gradescope
// package's run_autograder write, before Gradescope rejects it at upload time.
import { z } from 'zod';

/** Who sees a test (or the top-level output): Gradescope's four levels. */
export const GradescopeVisibility = z.enum(['hidden', 'after_due_date', 'after_published', 'visible']);

const Format = z.enum(['text', 'html', 'simple_format', 'md', 'ansi']);

export const GradescopeTestSchema = z
  .object({
    score: z.number().min(0).optional(),
    max_score: z.number().min(0).optional(),
    status: z.enum(['passed', 'failed']).optional(),
    name: z.string().optional(),
    name_format: Format.optional(),
    number: z.string().optional(),
    output: z.string().optional(),
    output_format: Format.optional(),
    tags: z.array(z.string()).optional(),
    visibility: GradescopeVisibility.optional(),
    extra_data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((t) => t.score === undefined || t.max_score === undefined || t.score <= t.max_score, {
    message: 'score must not exceed max_score',
  });

export const GradescopeResultsSchema = z
  .object({
    // Optional when every test has a score: Gradescope then sums them.
    score: z.number().min(0).optional(),
    execution_time: z.number().min(0).optional(),
    output: z.string().optional(),
    output_format: Format.optional(),
    test_output_format: Format.optional(),
    test_name_format: Format.optional(),
    visibility: GradescopeVisibility.optional(),
    stdout_visibility: GradescopeVisibility.optional(),
    extra_data: z.record(z.string(), z.unknown()).optional(),
    tests: z.array(GradescopeTestSchema).optional(),
    leaderboard: z.array(z.object({ name: z.string(), value: z.union([z.number(), z.string()]), order: z.enum(['asc', 'desc']).optional() })).optional(),
  })
  .strict()
  .refine((r) => r.score !== undefined || (r.tests ?? []).every((t) => t.score !== undefined), {
    message: 'either a top-level score or a score on every test is required',
  });

export type GradescopeResultsJson = z.infer<typeof GradescopeResultsSchema>;
export type GradescopeTestJson = z.infer<typeof GradescopeTestSchema>;
