import * as fs from 'node:fs';
import * as path from 'node:path';
import { APPS } from '#testing/app-processes';

// The apps start the same way everywhere: the bench, the tests, the demo and the ops CLI from
// libs/testing's app-processes, people from `npm run start:<app>`, containers from the Dockerfile.

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const DOCKERFILE = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const NAMES = Object.keys(APPS) as (keyof typeof APPS)[];

describe('how the apps are started', () => {
  it.each(NAMES)('%s: npm run start:<app> runs its entry with its node flags', (name) => {
    const { entry, nodeArgs } = APPS[name];
    expect(PACKAGE.scripts[`start:${name}`]).toBe(['node', ...nodeArgs, entry].join(' '));
  });

  it.each(NAMES)('%s: the Dockerfile target of the same name runs its entry with its node flags', (name) => {
    const { entry, nodeArgs } = APPS[name];
    const target = DOCKERFILE.split(/^FROM /m).find((stage) => new RegExp(`^\\S+ AS ${name}\\s`).test(stage));
    expect(target).toBeDefined();
    const cmd = /^CMD (\[.*\])$/m.exec(target!)?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', ...nodeArgs, entry]);
  });

  it('gives each app a heap limit, so that its resident memory stays within its budget', () => {
    for (const { nodeArgs } of Object.values(APPS)) expect(nodeArgs.some((arg) => /^--max-old-space-size=\d+$/.test(arg))).toBe(true);
  });

  it('builds the image from the apps and their libs only, not the dev-only tools', () => {
    expect(DOCKERFILE).toMatch(/^RUN npm run build:apps /m);
    expect(PACKAGE.scripts['build:apps']).toMatch(/^tsc -b tsconfig\.build\.apps\.json /);
    const references = (JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.apps.json'), 'utf8')) as { references: { path: string }[] }).references.map(
      (r) => r.path,
    );
    expect(references).toEqual(expect.arrayContaining(NAMES.map((name) => `apps/${name}/tsconfig.app.json`)));
    expect(references.filter((r) => /testing|demo/.test(r))).toEqual([]);
  });
});
