import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { cachedListing, keepListing } from '../../scripts/grading/listing-cache';
import type { CollectedRecord } from '../../scripts/grading/records';

/** A project root with one grader and one lib file, in a fresh folder. */
function project(): { root: string; grader: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'faultline-listing-'));
  fs.mkdirSync(path.join(root, 'test', 'graders'), { recursive: true });
  fs.mkdirSync(path.join(root, 'lib'));
  const grader = path.join(root, 'test', 'graders', 'x.test.ts');
  fs.writeFileSync(grader, "test('a', () => {})");
  fs.writeFileSync(path.join(root, 'lib', 'm.ts'), 'export const a = 1;');
  return { root, grader };
}
const listed = (file: string): CollectedRecord[] => [{ type: 'collected', id: 'id1', name: 'a', file, points: 2, mode: 'run' }];

describe('the listing cache', () => {
  test('gives back a kept listing, and none once a grader or a library file changed', () => {
    const { root, grader } = project();
    expect(cachedListing(root, [grader]).tests).toBeNull();
    keepListing(cachedListing(root, [grader]).file, [grader], listed(grader));
    expect(cachedListing(root, [grader]).tests).toEqual(listed(grader));
    fs.writeFileSync(path.join(root, 'lib', 'm.ts'), 'export const a = 2;');
    expect(cachedListing(root, [grader]).tests).toBeNull();
    keepListing(cachedListing(root, [grader]).file, [grader], listed(grader));
    fs.writeFileSync(grader, "test('b', () => {})");
    expect(cachedListing(root, [grader]).tests).toBeNull();
  });

  test('keeps nothing for a grader that listed no tests, or one outside test/graders', () => {
    const { root, grader } = project();
    keepListing(cachedListing(root, [grader]).file, [grader], []);
    expect(cachedListing(root, [grader]).tests).toBeNull();
    const fixture = path.join(root, 'fixture.test.ts');
    fs.writeFileSync(fixture, "test('a', () => {})");
    expect(cachedListing(root, [fixture]).file).toBeNull();
  });
});

describe("one exercise's listing (a notebook's check())", () => {
  test('lists every course grader once and keeps it: the next exercise is read from the cache, no vitest run', async () => {
    const { listTests, discover, graderFilesOf, DEFAULT_GRADERS_DIR, ROOT } = await import('../../scripts/grading/grade-lib');
    const exercises = discover(ROOT, DEFAULT_GRADERS_DIR).exercises;
    const all = exercises.flatMap(graderFilesOf);
    const kept = cachedListing(ROOT, all).file;
    if (kept) fs.rmSync(kept, { force: true });
    const [first, second] = [exercises[0]!, exercises[1]!];

    const one = await listTests(graderFilesOf(first), 120_000);
    expect(one.tests.length).toBeGreaterThan(0);
    expect(new Set(one.tests.map((t) => path.resolve(t.file)))).toEqual(new Set(graderFilesOf(first).map((f) => path.resolve(f))));
    const everything = cachedListing(ROOT, all).tests;
    expect(new Set(everything!.map((t) => path.resolve(t.file)))).toEqual(new Set(all.map((f) => path.resolve(f))));

    const two = await listTests(graderFilesOf(second), 120_000);
    expect(two.run.records).toEqual([]); // from the cache
    expect(two.tests).toEqual(everything!.filter((t) => graderFilesOf(second).map((f) => path.resolve(f)).includes(path.resolve(t.file))));
  }, 180_000);
});
