// The extra report files of `npm run grade` (--junit, --classroom), so that
// scripts/grade.ts only needs one call.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { githubOutputs, toClassroom } from './classroom';
import type { GradedExercise } from './graded';
import { toJUnit } from './junit';

export interface ReportOptions {
  junit: string | null;
  classroom: string | null;
  reproduce: (id: string) => string;
  /** How to name an exercise's file in messages (e.g. exercises/01-x.ts). */
  targetFile: (id: string) => string;
  log: (line: string) => void;
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

export function writeReports(results: readonly GradedExercise[], opts: ReportOptions): void {
  const shown = (f: string) => path.relative(process.cwd(), f) || f;
  if (opts.junit) {
    write(opts.junit, toJUnit(results, { reproduce: opts.reproduce }));
    opts.log(`Wrote ${shown(opts.junit)}`);
  }
  if (opts.classroom) {
    const payloads = toClassroom(results, { reproduce: opts.reproduce, targetFile: opts.targetFile });
    write(opts.classroom, JSON.stringify(payloads, null, 2) + '\n');
    opts.log(`Wrote ${shown(opts.classroom)}`);
    // Under GitHub Actions: one step output per exercise for the reporter.
    const ghOutput = process.env.GITHUB_OUTPUT;
    if (ghOutput) {
      fs.appendFileSync(ghOutput, githubOutputs(payloads));
      opts.log(`Set step outputs ${Object.keys(payloads).join(', ')}`);
    }
  }
}
