// How the two apps run: their entry in dist/ (written by `npm run build`) and the node flags they run
// with. The bench, the tests, the demo and the ops CLI start the apps from here; the start scripts in
// package.json and the Dockerfile say the same (test/unit/app-processes.spec.ts checks that they do).
import * as path from 'node:path';

export type AppName = 'ongoing-training' | 'notifier';

// dist/libs/testing/ and libs/testing/src/ are both three levels below the root.
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/**
 * A memory budget: V8 collects garbage before the old generation passes 160 MB instead of letting it
 * grow with the machine's memory, which keeps a replay's peak resident memory near 220 MB
 * (`npm run bench`). The live heap of a replay over 10,000 pairs stays near 100 MB.
 */
export const NODE_ARGS: readonly string[] = ['--max-old-space-size=160'];

export const APPS: Readonly<Record<AppName, { entry: string; nodeArgs: readonly string[] }>> = {
  'ongoing-training': { entry: 'dist/apps/ongoing-training/main.js', nodeArgs: NODE_ARGS },
  notifier: { entry: 'dist/apps/notifier/main.js', nodeArgs: NODE_ARGS },
};

/** Absolute path of each app's entry. */
export const APP_ENTRIES = Object.fromEntries(Object.entries(APPS).map(([name, app]) => [name, path.join(ROOT, app.entry)])) as Record<AppName, string>;

/** The arguments after `node` that start an app. */
export function appArgs(name: AppName): string[] {
  return [...APPS[name].nodeArgs, APP_ENTRIES[name]];
}
