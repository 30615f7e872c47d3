// The report formats of `npm run grade` (JUnit XML, GitHub Classroom) and the
// lesson-page rewriting of the release website, on made-up results: fast, no grading.
import { describe, expect, test } from 'vitest';
import { githubOutputs, reporterEnvName, runnerId, toClassroom } from '../../scripts/grading/classroom';
import type { GradedExercise } from '../../scripts/grading/graded';
import { toJUnit, xmlEscape } from '../../scripts/grading/junit';
import { indexPage, rewriteLessonPage } from '../../scripts/release/site';

const results: GradedExercise[] = [
  {
    id: '01-a',
    score: 3,
    maxScore: 5,
    problem: null,
    durationMs: 1500,
    tests: [
      { name: 'does x work? (seed=1)', maxPoints: 3, score: 3, status: 'passed', output: '' },
      { name: 'does y <work> & "hold"? (seed=2)', maxPoints: 2, score: 0, status: 'failed', output: 'expected 1 to be 2\n  at y (exercises/01-a.ts:3:9)' },
    ],
  },
  {
    id: '02-b',
    score: 0,
    maxScore: 1,
    problem: 'exercises/02-b.ts is missing',
    durationMs: 200,
    tests: [{ name: 'does z work?', maxPoints: 1, score: 0, status: 'failed', output: 'exercises/02-b.ts is missing' }],
  },
];
const reproduce = (id: string) => `npm run grade -- --only ${id}`;

describe('JUnit XML', () => {
  const xml = toJUnit(results, { reproduce });

  test('one testsuite per exercise, one testcase per test, failures with their message', () => {
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml).toContain('<testsuites name="faultline" tests="3" failures="2" errors="0" time="1.700">');
    expect(xml).toContain('<testsuite name="01-a" tests="2" failures="1" errors="0" skipped="0" time="1.500">');
    expect(xml).toContain('<failure message="expected 1 to be 2" type="AssertionError">');
    expect(xml).toContain('To reproduce: npm run grade -- --only 02-b</failure>');
    expect(xml).toContain('<property name="problem" value="exercises/02-b.ts is missing"/>');
  });

  test('points are in the name and in properties; names are escaped', () => {
    expect(xml).toContain('name="does y &lt;work&gt; &amp; &quot;hold&quot;? (seed=2) [2 pts]"');
    expect(xml).toContain('name="does z work? [1 pt]"');
    expect(xml).toContain('<property name="points" value="3"/>\n        <property name="score" value="3"/>');
    expect(xml).toContain('<property name="max_score" value="5"/>');
  });

  test('characters XML cannot hold are dropped', () => {
    expect(xmlEscape('a\u0000b\u001bc\td')).toBe('abc\td');
  });
});

describe('GitHub Classroom results', () => {
  const payloads = toClassroom(results, { reproduce, targetFile: (id) => `exercises/${id}.ts` });

  test('one runner per exercise: points per test, partial credit, status', () => {
    expect(Object.keys(payloads)).toEqual(['ex01-a', 'ex02-b']);
    const a = payloads['ex01-a']!;
    expect(a).toMatchObject({ version: 1, status: 'fail', max_score: 5 });
    expect(a.tests.map((t) => [t.status, t.score])).toEqual([['pass', 3], ['fail', 0]]);
    expect(a.tests[1]!.message).toContain('expected 1 to be 2');
    expect(a.tests[1]!.message).toContain('To reproduce: npm run grade -- --only 01-a');
    expect(payloads['ex02-b']!.tests[0]!.message).toContain('is missing');
  });

  test('a grading error is an error, not a failure', () => {
    const broken = toClassroom([{ ...results[1]!, gradingError: 'grader broken' }], { reproduce, targetFile: (id) => id });
    expect(broken['ex02-b']!.status).toBe('error');
    expect(broken['ex02-b']!.tests[0]!.status).toBe('error');
  });

  test('step outputs are base64 of each payload; runner ids and env names follow the reporter', () => {
    const lines = githubOutputs(payloads).trim().split('\n');
    expect(lines).toHaveLength(2);
    const [id, b64] = [lines[0]!.slice(0, lines[0]!.indexOf('=')), lines[0]!.slice(lines[0]!.indexOf('=') + 1)];
    expect(id).toBe('ex01-a');
    expect(JSON.parse(Buffer.from(b64, 'base64').toString('utf8'))).toEqual(payloads['ex01-a']);
    expect(runnerId('11-capstone')).toBe('ex11-capstone');
    expect(reporterEnvName('ex11-capstone')).toBe('EX11-CAPSTONE_RESULTS');
  });
});

describe('release website pages', () => {
  const lessons = [
    { name: '00-start', title: '00 · Start' },
    { name: '01-next', title: '01 · Next <one>' },
  ];
  const html =
    '<html><head><script src="file:///usr/share/javascript/requirejs/require.min.js"></script>' +
    '<script src="file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"></script></head>' +
    '<body class="x"><a href="00-start.ipynb">back</a> <a href="00-start.ipynb#Top">anchor</a> <a href="other.ipynb">keep</a></body></html>';
  const page = rewriteLessonPage(html, lessons, 1, { requirejs: 'assets/require.min.js', mathjax: 'assets/mathjax/MathJax.js' });

  test('links to other lessons point at their pages; other links are kept', () => {
    expect(page).toContain('<a href="00-start.html">back</a>');
    expect(page).toContain('<a href="00-start.html#Top">anchor</a>');
    expect(page).toContain('<a href="other.ipynb">keep</a>');
  });

  test('no script is loaded from this machine; navigation links index, previous and next', () => {
    expect(page).not.toContain('file://');
    expect(page).toContain('src="assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"');
    expect(page).toContain('<a href="index.html"><b>Faultline</b></a>');
    expect(page).toContain('<a href="00-start.html">&larr; 00 · Start</a>');
    expect(page).toContain('<span class="faultline-nav-off">next &rarr;</span>');
  });

  test('the index lists every lesson, titles escaped', () => {
    const index = indexPage(lessons);
    expect(index).toContain('<li><a href="00-start.html">00 · Start</a></li>');
    expect(index).toContain('<li><a href="01-next.html">01 · Next &lt;one&gt;</a></li>');
  });
});
