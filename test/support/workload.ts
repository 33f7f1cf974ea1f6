import { PackageBooked, SessionAutobooked, SessionCompleted } from '#contracts';
import { aPackageBooked, aSessionCompleted } from '#contracts/testing/builders';
import { Admin } from 'kafkajs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from './wait.js';

export interface Workload {
  packages: PackageBooked[];
  completions: SessionCompleted[];
  /** Autobooks each pair must end with, by clientId. */
  expected: Map<string, number>;
  expectedTotal: number;
  inputs: number;
}

/**
 * `pairs` pairs, each enrolled at checkout with one package of `sessionCount` sessions, and between 0
 * and `sessionCount + extra` completions. With the package applied before its completions, a pair
 * books one session at the package's last completion and one more at every completion after that:
 * max(0, completions - sessionCount + 1). The numbers come from a seeded generator, never by hand.
 */
export function aWorkload(runLabel: string, options: { pairs: number; sessionCount?: number; extra?: number; seed?: number }): Workload {
  const sessionCount = options.sessionCount ?? 3;
  const extra = options.extra ?? 4;
  let seed = options.seed ?? 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const packages: PackageBooked[] = [];
  const completions: SessionCompleted[] = [];
  const expected = new Map<string, number>();
  for (let i = 0; i < options.pairs; i++) {
    const clientId = `${runLabel}-client-${i}`;
    const coachId = `${runLabel}-coach-${i % 17}`;
    packages.push(aPackageBooked({ clientId, coachId, packageId: `${clientId}-pkg`, eventId: `${clientId}-pkg-evt`, sessionCount, ongoingTraining: true }));
    const count = Math.floor(random() * (sessionCount + extra + 1));
    for (let s = 0; s < count; s++) {
      completions.push(aSessionCompleted({ clientId, coachId, sessionId: `${clientId}-s${s}`, eventId: `${clientId}-s${s}-evt` }));
    }
    expected.set(clientId, Math.max(0, count - sessionCount + 1));
  }
  const expectedTotal = [...expected.values()].reduce((a, b) => a + b, 0);
  return { packages, completions, expected, expectedTotal, inputs: packages.length + completions.length };
}

export interface AutobookAudit {
  messages: number;
  distinct: number;
  /** Extra copies of an autobook on the topic (same eventId): harmless, consumers dedupe on eventId. */
  redelivered: number;
  /** Different eventIds for one (pair, sequence), or more autobooks than expected: extra sessions. */
  doubled: number;
  /** Autobooks expected and never seen. */
  lost: number;
}

/** Compares what reached `session.autobooked` with what the workload must produce. */
export function audit(workload: Workload, published: SessionAutobooked[]): AutobookAudit {
  const distinct = new Map(published.map((a) => [a.eventId, a]));
  const perPair = new Map<string, Set<number>>();
  let doubled = 0;
  for (const a of distinct.values()) {
    const sequences = perPair.get(a.clientId) ?? new Set<number>();
    if (sequences.has(a.sequence)) doubled++;
    sequences.add(a.sequence);
    perPair.set(a.clientId, sequences);
  }
  let lost = 0;
  for (const [clientId, count] of workload.expected) {
    const seen = perPair.get(clientId)?.size ?? 0;
    if (seen > count) doubled += seen - count;
    if (seen < count) lost += count - seen;
  }
  return { messages: published.length, distinct: distinct.size, redelivered: published.length - distinct.size, doubled, lost };
}

/** Waits until a consumer group has committed every offset of the topics. */
export async function waitForGroupCaughtUp(admin: Admin, groupId: string, topics: string[], timeoutMs = 120000): Promise<void> {
  await waitFor(
    `group ${groupId} to commit the end of ${topics.join(', ')}`,
    async () => {
      for (const topic of topics) {
        const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
        for (const end of ends) {
          const at = Number(committed.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
          if (Number(end.high) > 0 && at < Number(end.high)) return false;
        }
      }
      return true;
    },
    timeoutMs,
    250,
  );
}

/** Appends a reliability figure to `.artifacts/reliability.md`, and returns the line. */
export function report(line: string): string {
  const file = path.resolve(import.meta.dirname, '..', '..', '.artifacts', 'reliability.md');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `- ${new Date().toISOString()} ${line}\n`);
  process.stderr.write(`[reliability] ${line}\n`);
  return line;
}
