// R20 (FAQ 7): who assesses a factory.
import { assessorFactsOf, getAssessorBody } from '../../shared/app/sharing/assessorBody';
import { whoAssesses } from '../../shared/domain/sharing/assessorBody';
import { factoryOne, people, registeredFactory, sharingWorld } from '../support/sharingFixtures';
import { NotFoundError } from '../../shared/domain/errors';

const now = new Date('2030-03-01T08:00:00Z');

describe('R20: who assesses (FAQ 7)', () => {
  it('R20: enrolled in Better Work → Better Work (in scope or not)', () => {
    expect(whoAssesses({ enrolled: true, inScope: true, bwHasCapacity: true })).toMatchObject({
      assessedBy: 'BetterWork',
      fromNextCycle: false,
    });
    expect(whoAssesses({ enrolled: true, inScope: false, bwHasCapacity: false }).assessedBy).toBe('BetterWork');
  });

  it('R20: not enrolled but in scope → Better Work from the next cycle', () => {
    expect(whoAssesses({ enrolled: false, inScope: true, bwHasCapacity: true })).toMatchObject({
      assessedBy: 'BetterWork',
      fromNextCycle: true,
      reason: expect.stringMatching(/next cycle/),
    });
  });

  it('R20: not enrolled, in scope, but Better Work lacks capacity → a Verifier Body', () => {
    expect(whoAssesses({ enrolled: false, inScope: true, bwHasCapacity: false })).toMatchObject({
      assessedBy: 'VerifierBody',
      reason: expect.stringMatching(/capacity|cannot take/),
    });
  });

  it('R20: not enrolled and not in scope → a Verifier Body', () => {
    expect(whoAssesses({ enrolled: false, inScope: false, bwHasCapacity: true }).assessedBy).toBe('VerifierBody');
  });

  it('R20: a factory registered on the BW platform, or with a cycle, is enrolled', () => {
    expect(assessorFactsOf(registeredFactory(factoryOne, now))).toEqual({
      enrolled: true,
      inScope: true,
      bwHasCapacity: true,
    });
    expect(assessorFactsOf(registeredFactory(factoryOne, now, { status: 'invited' })).enrolled).toBe(false);
  });

  it('R20: a BW-enrolled factory is assessed by Better Work, for every role that reads the factory', async () => {
    const { store } = await sharingWorld(now);
    for (const who of [people.manager, people.staff, people.brand]) {
      await expect(getAssessorBody({ store }, who, factoryOne)).resolves.toMatchObject({ assessedBy: 'BetterWork' });
    }
    await expect(getAssessorBody({ store }, people.otherBrand, factoryOne)).rejects.toThrow(NotFoundError);
  });
});
