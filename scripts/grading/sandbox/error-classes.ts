// The library's errors that come back from the sandbox as themselves, so a
// grader's `instanceof ConfigError` works (the membrane rebuilds an error by
// its name). Kept apart from host.ts because these modules load zod: the
// grading runner starts the sandbox through host.ts before vitest loads the
// grader, and that start should not wait ~0.2 s for zod. The `@target/<id>`
// stand-in (target-plugin.ts) hands them to `targetModule`, before anything
// comes back from the sandbox.
import { ConfigError } from '../../../lib/core/config';
import { RetryExhausted } from '../../../lib/models/retry';

export const LIB_ERRORS: Record<string, { prototype: object }> = { ConfigError, RetryExhausted };
