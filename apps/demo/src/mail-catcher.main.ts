// `npm run mail-catcher -- [--smtp-port 1025] [--ui-port 8025] [--dir <folder>]`: the demo's mail
// catcher on its own.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { startMailCatcher } from './mail-catcher.js';

// apps/demo/src/ and dist/apps/demo/ are both three levels below the root.
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

const { values } = parseArgs({
  options: {
    'smtp-port': { type: 'string', default: '1025' },
    'ui-port': { type: 'string', default: '8025' },
    dir: { type: 'string', default: path.join(ROOT, '.artifacts', 'demo-mail', 'catcher') },
  },
});
startMailCatcher({
  dir: values.dir,
  smtpPort: Number(values['smtp-port']),
  uiPort: Number(values['ui-port']),
  log: (l) => process.stdout.write(`[mail] ${l}\n`),
}).then(
  (catcher) => {
    process.stdout.write(`[mail] SMTP ${catcher.smtpUrl}, web page ${catcher.url}, files in ${catcher.dir} (Ctrl-C to stop)\n`);
    const stop = () => catcher.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  (error: Error) => {
    process.stderr.write(`[mail] cannot start: ${error.message}\n`);
    process.exit(1);
  },
);
