import { SessionAutobooked } from '#contracts';
import { AppProcess } from '../../support/apps.js';
import { ReceivedEmail, runId } from '#testing';
import { MAIL_FROM, NotifierWorld, PREFERENCES_URL, anAutobook } from './notifier-harness.js';

// R9: every autobook sends one email to the coach and one to the client, with the rate formatted for its
// currency and the link where the client manages Ongoing Training.
describe('notifier: the two emails of an autobook (R9)', () => {
  let world: NotifierWorld;
  const usd = anAutobook('usd', { clientId: 'client-usd', rate: { amount: 8000, currency: 'USD' } });
  const jpy = anAutobook('jpy', { clientId: 'client-jpy', rate: { amount: 8000, currency: 'JPY' } });
  const bhd = anAutobook('bhd', { clientId: 'client-bhd', rate: { amount: 8000, currency: 'BHD' } });

  beforeAll(async () => {
    world = await NotifierWorld.create();
    await world.startNotifier();
    await world.produce(usd, jpy, bhd);
    await world.waitForEmails([usd, jpy, bhd]);
  });

  afterAll(async () => {
    await world?.close();
  });

  const only = (event: SessionAutobooked, who: 'coach' | 'client'): ReceivedEmail => {
    const list = world.sink.to(event[who].email);
    expect(list).toHaveLength(1);
    return list[0];
  };

  it('sends exactly one email to the coach and one to the client, each addressed to that person only', () => {
    for (const event of [usd, jpy, bhd]) {
      expect(world.emailsOf(event)).toHaveLength(2);
      const coach = only(event, 'coach');
      const client = only(event, 'client');
      expect(coach.envelopeTo).toEqual([event.coach.email]);
      expect(client.envelopeTo).toEqual([event.client.email]);
      expect(coach.to).toContain(event.coach.name);
      expect(coach.to).toContain(`<${event.coach.email}>`);
      expect(client.to).toContain(event.client.name);
      expect(client.to).toContain(`<${event.client.email}>`);
      for (const email of [coach, client]) {
        expect(email.from).toContain('no-reply@mail.coachup.test');
        expect(email.from).toContain('CoachUp Ongoing Training');
      }
    }
  });

  it('names the other person and the rate in each subject and greets the recipient by name', () => {
    const coach = only(usd, 'coach');
    const client = only(usd, 'client');
    expect(coach.subject).toBe(`Ongoing Training: 1 more session booked for ${usd.client.name} at USD 80.00`);
    expect(client.subject).toBe(`Ongoing Training: 1 more session booked with ${usd.coach.name} at USD 80.00`);
    expect(coach.text).toContain(`Hi ${usd.coach.name},`);
    expect(coach.text).toContain(`1 more session with your client ${usd.client.name} has been booked automatically`);
    expect(client.text).toContain(`Hi ${usd.client.name},`);
    expect(client.text).toContain(`1 more session with ${usd.coach.name} has been booked automatically`);
    expect(coach.html).toContain(`Hi ${usd.coach.name},`);
    expect(client.html).toContain(`Hi ${usd.client.name},`);
  });

  it.each([
    ['USD', () => usd, 'USD 80.00'],
    ['JPY (no minor unit)', () => jpy, 'JPY 8000'],
    ['BHD (three minor digits)', () => bhd, 'BHD 8.000'],
  ])('formats the rate for its currency: %s', (_label, event, formatted) => {
    for (const who of ['coach', 'client'] as const) {
      const email = only(event(), who);
      expect(email.subject).toContain(`at ${formatted}`);
      expect(email.text).toContain(`rate of ${formatted} per session`);
      expect(email.html).toContain(`<strong>${formatted}</strong>`);
    }
  });

  it('gives the client the PREFERENCES_URL link, in the HTML and in the text part', () => {
    const client = only(usd, 'client');
    // The href as a mail client reads it (Handlebars writes `=` as `&#x3D;`, which is the same URL).
    const links = [...client.html.matchAll(/href="([^"]*)"/g)].map((m) => decodeHtml(m[1]));
    expect(links.filter((href) => href === PREFERENCES_URL)).toHaveLength(2); // the button and the fallback link
    expect(client.html).toContain('Manage Ongoing Training Program Preferences');
    expect(client.text).toContain(`Manage Ongoing Training Program Preferences: ${PREFERENCES_URL}`);
  });

  it('sends each email with both an HTML and a plain-text part', () => {
    for (const event of [usd, jpy, bhd]) {
      for (const who of ['coach', 'client'] as const) {
        const email = only(event, who);
        expect(email.html).toMatch(/^<!DOCTYPE html>/);
        expect(email.html).toContain('</html>');
        expect(email.text.length).toBeGreaterThan(100);
        expect(email.text).not.toContain('<');
        expect(email.parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
      }
    }
  });

  it('sends over a pool of at most 3 SMTP connections, each carrying several emails', () => {
    expect(world.sink.received).toHaveLength(6);
    expect(world.sink.connections).toBeGreaterThanOrEqual(1);
    expect(world.sink.connections).toBeLessThanOrEqual(3);
  });

  it('gives every email its own well-formed Message-ID, different for coach and client and between events', () => {
    const ids = [usd, jpy, bhd].flatMap((e) => [only(e, 'coach').messageId, only(e, 'client').messageId]);
    for (const id of ids) expect(id).toMatch(/^<[^<>@\s]+@mail\.coachup\.test>$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives the same (eventId, recipient) the same Message-ID in another notifier process, so a resend can be recognised', async () => {
    // A second deployment with an empty ledger of its own sends the same emails again: their Message-IDs
    // must be the ones the first process used.
    const other = await NotifierWorld.create();
    let app: AppProcess | undefined;
    try {
      app = await world.startNotifier({
        KAFKA_GROUP_ID: runId('notifier-other'),
        MONGODB_URI: other.mongoUri,
        SMTP_URL: other.sink.url,
        MAIL_FROM,
      });
      await waitForOther(other, [usd, jpy, bhd]);
      for (const event of [usd, jpy, bhd]) {
        for (const who of ['coach', 'client'] as const) {
          const resent = other.sink.to(event[who].email);
          expect(resent).toHaveLength(1);
          expect(resent[0].messageId).toBe(only(event, who).messageId);
        }
      }
    } finally {
      await app?.stop();
      await other.close();
    }
  });

  async function waitForOther(other: NotifierWorld, events: SessionAutobooked[]): Promise<void> {
    try {
      await other.waitForEmails(events);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${world.appLogs()}`, { cause: error });
    }
  }
});

/** Decodes the character references of an HTML attribute value. */
function decodeHtml(value: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return named[ref.toLowerCase()] ?? whole;
    return String.fromCodePoint(ref[1].toLowerCase() === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
  });
}
