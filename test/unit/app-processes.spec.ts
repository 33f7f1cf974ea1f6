import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const require = createRequire(import.meta.url);

// The apps start the same way everywhere: the bench, the tests, the demo and the ops CLI from
// scripts/app-processes.js, people from `npm run start:<app>`, containers from the Dockerfile.

const { APPS } = require('../../scripts/app-processes') as { APPS: Record<string, { entry: string; nodeArgs: string[] }> };

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const DOCKERFILE = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

describe('how the apps are started', () => {
  it.each(Object.keys(APPS))('%s: npm run start:<app> runs its entry with its node flags', (name) => {
    const { entry, nodeArgs } = APPS[name];
    expect(PACKAGE.scripts[`start:${name}`]).toBe(['node', ...nodeArgs, entry].join(' '));
  });

  it.each(Object.keys(APPS))('%s: the Dockerfile target of the same name runs its entry with its node flags', (name) => {
    const { entry, nodeArgs } = APPS[name];
    const target = DOCKERFILE.split(/^FROM /m).find((stage) => new RegExp(`^\\S+ AS ${name}\\s`).test(stage));
    expect(target).toBeDefined();
    const cmd = /^CMD (\[.*\])$/m.exec(target!)?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', ...nodeArgs, entry]);
  });

  it('gives each app a heap limit, so that its resident memory stays within its budget', () => {
    for (const { nodeArgs } of Object.values(APPS)) expect(nodeArgs.some((arg) => /^--max-old-space-size=\d+$/.test(arg))).toBe(true);
  });
});
