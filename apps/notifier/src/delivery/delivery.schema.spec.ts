import { deliveryId } from './delivery.schema.js';

describe('deliveryId: one ledger entry per (kind, key, recipient)', () => {
  it('keeps the form an autobook email had before there were other kinds, so that a replay finds it', () => {
    expect(deliveryId('autobook-1', 'coach')).toBe('["autobook-1","coach"]');
    expect(deliveryId('autobook-1', 'client', 'autobooked')).toBe('["autobook-1","client"]');
  });

  it('tells apart the kinds that share a key (a failed payment is keyed by its autobook’s eventId)', () => {
    const ids = (['autobooked', 'autobook-upcoming', 'autobook-voided', 'payment-failed'] as const).map((kind) => deliveryId('autobook-1', 'client', kind));
    expect(new Set(ids).size).toBe(4);
  });
});
