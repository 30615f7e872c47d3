import fc from 'fast-check';

// Properties in test/lib and test/course draw their cases from one fixed seed, so
// `npm test` explores the same cases on every machine and a red CI is never an
// unlucky draw. To explore new cases: FC_SEED=random npm run test:lib; to replay a
// failure: FC_SEED=<the seed fast-check printed>. A property that passes its own
// `seed` keeps it.
const requested = process.env.FC_SEED ?? '20261203';
if (requested !== 'random') {
  const seed = Number(requested);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got ${JSON.stringify(requested)}`);
  fc.configureGlobal({ seed });
}
