// JUnit XML for CI systems that read it (GitLab `artifacts:reports:junit`,
// Jenkins `junit`): one <testsuite> per exercise, one <testcase> per test.
// JUnit has no notion of points, so each testcase carries them twice: in its
// name ("... [2 pts]", which every viewer shows) and as <properties>
// (points, score) for tools that read them.
import type { GradedExercise } from './graded';

/** Escapes text for XML attributes and content; drops characters XML 1.0 forbids. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function pts(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

/** The JUnit XML document for graded exercises. */
export function toJUnit(results: readonly GradedExercise[], opts: { reproduce?: (id: string) => string } = {}): string {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = results.flatMap((r) => r.tests);
  const failed = (tests: GradedExercise['tests']) => tests.filter((t) => t.status === 'failed').length;
  lines.push(
    `<testsuites name="faultline" tests="${all.length}" failures="${failed(all)}" errors="${results.filter((r) => r.gradingError).length}" ` +
      `time="${seconds(results.reduce((s, r) => s + r.durationMs, 0))}">`,
  );
  for (const r of results) {
    const errors = r.gradingError ? 1 : 0;
    lines.push(
      `  <testsuite name="${xmlEscape(r.id)}" tests="${r.tests.length}" failures="${failed(r.tests)}" errors="${errors}" skipped="0" time="${seconds(r.durationMs)}">`,
    );
    lines.push('    <properties>');
    lines.push(`      <property name="score" value="${pts(r.score)}"/>`);
    lines.push(`      <property name="max_score" value="${pts(r.maxScore)}"/>`);
    if (r.problem) lines.push(`      <property name="problem" value="${xmlEscape(r.problem)}"/>`);
    lines.push('    </properties>');
    for (const t of r.tests) {
      const name = `${t.name} [${pts(t.maxPoints)} pt${t.maxPoints === 1 ? '' : 's'}]`;
      lines.push(`    <testcase classname="${xmlEscape(r.id)}" name="${xmlEscape(name)}" time="${seconds(t.durationMs)}">`);
      lines.push('      <properties>');
      lines.push(`        <property name="points" value="${pts(t.maxPoints)}"/>`);
      lines.push(`        <property name="score" value="${pts(t.score)}"/>`);
      if (t.visibility) lines.push(`        <property name="visibility" value="${xmlEscape(t.visibility)}"/>`);
      lines.push('      </properties>');
      if (t.status === 'failed') {
        const message = t.output.split('\n').find((l) => l.trim()) ?? 'failed';
        const body = opts.reproduce ? `${t.output}\n\nTo reproduce: ${opts.reproduce(r.id)}` : t.output;
        lines.push(`      <failure message="${xmlEscape(message.trim())}" type="AssertionError">${xmlEscape(body)}</failure>`);
      }
      lines.push('    </testcase>');
    }
    if (r.gradingError) lines.push(`    <system-err>${xmlEscape(r.gradingError)}</system-err>`);
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
