// Writes every email for every sample event, for a look in a browser:
//   npm run build && node dist/apps/notifier/preview-emails.js [outDir]
import * as path from 'node:path';
import { writePreviews } from './mail/preview.js';

const outDir = path.resolve(process.argv[2] ?? '.artifacts/email-previews');
for (const file of writePreviews(outDir)) console.log(file);
