import { servers } from '../../config/servers';
import { MAX_DURATION_SECONDS } from '../../lambdas/keys/key-format';
import { KeyService } from '../../lambdas/keys/key-service';
import { MemoryKeyStore } from '../../lambdas/keys/memory-key-store';
import { InvalidInputError } from '../../lambdas/shared/errors';

describe('key service', () => {
  const NOW = Date.UTC(2026, 0, 1) / 1000;
  const setup = () => {
    const store = new MemoryKeyStore();
    return { store, service: new KeyService({ store, servers, now: () => new Date(NOW * 1000) }) };
  };

  it.each([
    [{ expiresInSeconds: MAX_DURATION_SECONDS + 1 }, /up to 3650d \(10 years\)/],
    [{ expiresInSeconds: 1.5 }, /whole number of seconds/],
    [{ expiresInSeconds: Number.POSITIVE_INFINITY }, /up to 3650d/],
    [{ expiresInSeconds: 0 }, /must be in the future/],
    [{ label: 'a\u001b[31m' }, /control characters/],
    [{ server: 'demo-public' }, /is public/],
  ])('create refuses %j and writes nothing', async (input, message) => {
    // Arrange
    const { store, service } = setup();
    // Act
    const created = service.create({ server: 'demo-apikey', ...input });
    // Assess
    await expect(created).rejects.toThrow(InvalidInputError);
    await expect(created).rejects.toThrow(message);
    expect(store.records.size).toBe(0);
  });

  it('rotate gives the new key the expiry asked for, or the old one when none is', async () => {
    const { service } = setup();
    const old = await service.create({ server: 'demo-apikey', label: 'ci', expiresInSeconds: 30 * 86400 });

    const inherited = await service.rotate(old.record.keyId, 3600);
    expect(inherited.issued.record.expiresAt).toBe(old.record.expiresAt);

    const own = await service.rotate(inherited.issued.record.keyId, 0, { expiresInSeconds: 86400 });
    expect(own.issued.record).toMatchObject({ expiresAt: NOW + 86400, label: 'ci' });
    expect(own.old.status).toBe('revoked');

    const unbounded = await service.create({ server: 'demo-apikey' });
    const stillUnbounded = await service.rotate(unbounded.record.keyId, 0);
    expect(stillUnbounded.issued.record.expiresAt).toBeUndefined();
  });

  it.each([
    ['an expiry asked for beyond 10 years', 0, { expiresInSeconds: MAX_DURATION_SECONDS + 1 }],
    ['a grace period beyond 10 years', MAX_DURATION_SECONDS + 1, {}],
    ['a fractional grace period', 0.5, {}],
  ])('rotate refuses %s before touching any key', async (_what, grace, options) => {
    const { store, service } = setup();
    const old = await service.create({ server: 'demo-apikey' });
    await expect(service.rotate(old.record.keyId, grace, options)).rejects.toThrow(InvalidInputError);
    expect(store.records.size).toBe(1);
    expect([...store.records.values()][0]).toMatchObject({ status: 'active' });
  });

  it.each([
    ['beyond 10 years', NOW + MAX_DURATION_SECONDS + 10],
    ['not a number', 'soon'],
  ])('rotate will not copy a stored expiry that is %s, but takes an explicit one', async (_what, expiresAt) => {
    const { store, service } = setup();
    const old = await service.create({ server: 'demo-apikey' });
    const digest = [...store.records.keys()][0];
    store.records.set(digest, { ...store.records.get(digest)!, expiresAt: expiresAt as number });

    await expect(service.rotate(old.record.keyId, 0)).rejects.toThrow(/cannot inherit/);
    expect(store.records.size).toBe(1);
    const rotated = await service.rotate(old.record.keyId, 0, { expiresInSeconds: 3600 });
    expect(rotated.issued.record.expiresAt).toBe(NOW + 3600);
  });

  it('lists only the known fields of a record, never its digest', async () => {
    const { store, service } = setup();
    await service.create({ server: 'demo-apikey' });
    const digest = [...store.records.keys()][0];
    store.records.set(digest, { ...store.records.get(digest)!, secret: 'x' } as never);
    const [listed] = await service.list();
    expect(Object.keys(listed).sort()).toEqual(['createdAt', 'hint', 'keyId', 'plan', 'server', 'status']);
  });
});
