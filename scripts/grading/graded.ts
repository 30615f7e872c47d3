// The part of a graded exercise (grade-lib's ExerciseResult) that the report
// formats (JUnit XML, GitHub Classroom) read. Kept structural and minimal so
// the grading engine can grow without touching the converters.

export interface GradedTest {
  name: string;
  /** Points this test is worth. */
  maxPoints: number;
  score: number;
  status: 'passed' | 'failed';
  /** Why it failed ('' when passed). */
  output: string;
  durationMs?: number;
  visibility?: string;
}

export interface GradedExercise {
  id: string;
  score: number;
  maxScore: number;
  tests: GradedTest[];
  /** A problem that affects the whole exercise (missing file, timeout...), or null. */
  problem: string | null;
  gradingError?: string | null;
  durationMs: number;
}
