// The enrolment rules as pure functions: country programmes and their launch, R7 invitation links, R10 the
// profile and the one-year T&C signature, R23 the next cycle.
import {
  assertSlcpLaunched,
  betterWorkCountryProgrammes,
  defaultCountryProgramme,
  isCalendarDate,
  slcpLaunchState,
  withLaunchDate,
} from '../../shared/domain/countryProgrammes';
import { addRuleDuration, ruleDuration, ruleDurations, type RuleDurationName } from '../../shared/domain/durations';
import { ConflictError, NotFoundError, RuleViolationError, ValidationError } from '../../shared/domain/errors';
import {
  currentCycleOf,
  registerFirstCycle,
  registerNextCycle,
  sharingRequestStands,
} from '../../shared/domain/factory/cycles';
import { newFactoryDocument, type FactoryDocument } from '../../shared/domain/factory/factory';
import {
  assertInvitationUsable,
  factoryIdOfInvitationToken,
  invitationLink,
  markInvitationUsed,
  newInvitation,
} from '../../shared/domain/factory/invitation';
import {
  applyProfileChanges,
  countedProfileFields,
  profileCompletion,
  profileFieldSchemas,
  profileFieldsOf,
  signTerms,
  termsRequirement,
} from '../../shared/domain/factory/profile';

const at = (iso: string) => new Date(iso);
const programme = (code: string) => defaultCountryProgramme(code)!;

function factory(id = 'BD-7KQ2M9XA'): FactoryDocument {
  return newFactoryDocument({
    factoryId: id,
    name: 'Meghna Knit Composite Ltd.',
    address: 'Plot 14, Tongi',
    osHubId: undefined,
    now: '2026-01-10T08:00:00.000Z',
  });
}

const fullProfile = {
  city: 'Gazipur',
  postalCode: '1710',
  phoneCountryCode: '+880',
  phoneNumber: '2-5512 3400',
  facilityEmail: 'office@factory.example.com',
  contactPersonName: 'Rafiq Islam',
  contactPersonTitle: 'General Manager',
  contactEmail: 'manager@factory.example.com',
  totalWorkers: 2450,
  femaleWorkers: 1520,
  products: 'Knitted T-shirts',
};

describe('rule durations', () => {
  it('declares every rule duration once, as a valid ISO 8601 duration', () => {
    for (const name of Object.keys(ruleDurations) as RuleDurationName[]) {
      expect(ruleDuration(name)).toBeDefined();
    }
    expect(ruleDurations.termsValidity).toBe('P1Y');
    expect(ruleDurations.invitationValidity).toBe('P7D');
  });

  it('adds on the UTC calendar (one year from 29 February 2028 is 28 February 2029)', () => {
    expect(addRuleDuration(at('2028-02-29T10:00:00Z'), 'termsValidity').toISOString()).toBe('2029-02-28T10:00:00.000Z');
    expect(addRuleDuration(at('2026-12-30T00:00:00Z'), 'invitationValidity').toISOString()).toBe(
      '2027-01-06T00:00:00.000Z'
    );
  });
});

describe('Country programmes', () => {
  it('Country programmes: BD and ID launched on 2021-05-31, VN on 2021-06-30, each with a law overlay', () => {
    expect(programme('BD')).toMatchObject({
      slcpLaunchDate: '2021-05-31',
      lawOverlay: { reference: 'law-overlay-BD' },
    });
    expect(programme('ID')).toMatchObject({
      slcpLaunchDate: '2021-05-31',
      lawOverlay: { reference: 'law-overlay-ID' },
    });
    expect(programme('VN')).toMatchObject({
      slcpLaunchDate: '2021-06-30',
      lawOverlay: { reference: 'law-overlay-VN' },
    });
    expect(betterWorkCountryProgrammes.map((p) => p.countryCode).sort()).toEqual(
      ['BD', 'EG', 'ET', 'HT', 'ID', 'JO', 'KH', 'LK', 'NI', 'PK', 'VN'].sort()
    );
    for (const code of ['KH', 'JO', 'HT', 'NI', 'EG', 'ET', 'PK', 'LK']) {
      expect(programme(code).slcpLaunchDate).toBeNull();
    }
  });

  it('Country programmes: a country launches on its launch day (UTC), not the day before', () => {
    expect(slcpLaunchState(programme('VN'), at('2021-06-29T23:59:59Z')).launched).toBe(false);
    expect(slcpLaunchState(programme('VN'), at('2021-06-30T00:00:00Z')).launched).toBe(true);
    expect(slcpLaunchState(programme('BD'), at('2026-11-21T00:00:00Z')).launched).toBe(true);
  });

  it('Country programmes: an SLCP action in a country without launch is refused, naming the country and why', () => {
    const refusal = (code: string, now: string) => {
      try {
        assertSlcpLaunched(programme(code), at(now));
      } catch (error) {
        return error as RuleViolationError;
      }
      throw new Error('not refused');
    };
    const cambodia = refusal('KH', '2026-11-21T00:00:00Z');
    expect(cambodia).toBeInstanceOf(RuleViolationError);
    expect(cambodia.rule).toBe('Country programmes');
    expect(cambodia.message).toMatch(/Cambodia \(KH\).*no launch date/);
    const early = refusal('VN', '2021-06-01T00:00:00Z');
    expect(early.message).toMatch(/Vietnam \(VN\) launches on 2021-06-30/);
    expect(() => assertSlcpLaunched(programme('ID'), at('2021-05-31T00:00:00Z'))).not.toThrow();
  });

  it('Country programmes: a launch date is a calendar day or null (withdrawn)', () => {
    expect(withLaunchDate(programme('KH'), '2027-01-15').slcpLaunchDate).toBe('2027-01-15');
    expect(withLaunchDate(programme('BD'), null).slcpLaunchDate).toBeNull();
    expect(() => withLaunchDate(programme('KH'), '2027-02-30')).toThrow(ValidationError);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2027-02-29')).toBe(false);
  });
});

describe('R7 invitation links', () => {
  const token = `BD-7KQ2M9XA.${'A'.repeat(43)}`;
  const issued = newInvitation({
    factoryId: 'BD-7KQ2M9XA',
    countryCode: 'BD',
    tokenHash: 'ab',
    email: 'manager@factory.example.com',
    issuedBy: 'staff',
    now: at('2026-03-01T12:00:00Z'),
  });

  it('R7: the link is <portal>/invitations/accept?token=<factoryId>.<secret> and names its factory', () => {
    expect(invitationLink('https://portal.example.org/', token)).toBe(
      `https://portal.example.org/invitations/accept?token=${token}`
    );
    expect(factoryIdOfInvitationToken(token)).toBe('BD-7KQ2M9XA');
    expect(factoryIdOfInvitationToken('BD-7KQ2M9XA.short')).toBeUndefined();
    expect(factoryIdOfInvitationToken(`bd-7kq2m9xa.${'A'.repeat(43)}`)).toBeUndefined();
  });

  it('R7: one current invitation per factory, kept as a hash, expiring seven days after it was sent', () => {
    expect(issued.id).toBe('invitation-BD-7KQ2M9XA');
    expect(issued.expiresAt).toBe('2026-03-08T12:00:00.000Z');
    expect(JSON.stringify(issued)).not.toContain(token);
  });

  it('R7: a link works while unused and before it expires', () => {
    expect(() => assertInvitationUsable(issued, true, at('2026-03-08T11:59:59Z'))).not.toThrow();
  });

  it('R7: a link expires after seven days (409)', () => {
    expect(() => assertInvitationUsable(issued, true, at('2026-03-08T12:00:00Z'))).toThrow(ConflictError);
    expect(() => assertInvitationUsable(issued, true, at('2026-03-08T12:00:00Z'))).toThrow(/expired/);
  });

  it('R7: a link is single-use (409 once used)', () => {
    const used = markInvitationUsed(issued, { userId: 'u1', now: at('2026-03-02T00:00:00Z') });
    expect(() => assertInvitationUsable(used, true, at('2026-03-02T00:00:01Z'))).toThrow(/already been used/);
  });

  it('R7: a replaced (re-sent) or unknown link is not found (404), whatever its state', () => {
    expect(() => assertInvitationUsable(issued, false, at('2026-03-02T00:00:00Z'))).toThrow(NotFoundError);
    expect(() => assertInvitationUsable(undefined, false, at('2026-03-02T00:00:00Z'))).toThrow(NotFoundError);
    const used = markInvitationUsed(issued, { userId: 'u1', now: at('2026-03-02T00:00:00Z') });
    expect(() => assertInvitationUsable(used, false, at('2026-03-02T00:00:00Z'))).toThrow(NotFoundError);
  });
});

describe('R10 profile and T&C', () => {
  const signed = (f: FactoryDocument, when: string) => signTerms(f, { userId: 'fm', now: at(when) });

  it('R10: the profile is 100 % complete only with every field and a current signature', () => {
    const filled = applyProfileChanges(factory(), fullProfile);
    const unsigned = profileCompletion(filled, at('2026-06-01T00:00:00Z'));
    expect(unsigned).toMatchObject({ complete: false, termsCurrent: false, missing: [termsRequirement] });
    expect(unsigned.percent).toBeLessThan(100);
    const done = profileCompletion(signed(filled, '2026-05-01T00:00:00Z'), at('2026-06-01T00:00:00Z'));
    expect(done).toEqual({
      percent: 100,
      missing: [],
      termsCurrent: true,
      termsValidUntil: '2027-05-01T00:00:00.000Z',
      complete: true,
    });
  });

  it('R10: each missing counted field keeps the profile below 100 % and is named', () => {
    for (const name of countedProfileFields) {
      if (name === 'facilityName' || name === 'address') continue; // the factory's own, always present
      const without = applyProfileChanges(factory(), fullProfile);
      delete without.profile[name];
      const completion = profileCompletion(signed(without, '2026-05-01T00:00:00Z'), at('2026-06-01T00:00:00Z'));
      expect(completion.complete).toBe(false);
      expect(completion.missing).toEqual([name]);
      expect(completion.percent).toBeLessThan(100);
    }
  });

  it('R10: fax and OS Hub ID are optional and do not count', () => {
    const done = signed(applyProfileChanges(factory(), fullProfile), '2026-05-01T00:00:00Z');
    expect(profileCompletion(done, at('2026-06-01T00:00:00Z')).complete).toBe(true);
    const withFax = applyProfileChanges(done, { fax: '2 5512 3401', osHubId: 'BD2019085NWMQ4H' });
    expect(profileFieldsOf(withFax)).toMatchObject({ fax: '2 5512 3401', osHubId: 'BD2019085NWMQ4H' });
    expect(withFax.osHubId).toBe('BD2019085NWMQ4H');
    const cleared = applyProfileChanges(withFax, { fax: null, osHubId: null });
    expect(profileFieldsOf(cleared).fax).toBeUndefined();
    expect(cleared.osHubId).toBeUndefined();
  });

  it('R10: the signature lasts one year: the profile falls below 100 % on its first anniversary until re-signed', () => {
    const done = signed(applyProfileChanges(factory(), fullProfile), '2026-05-01T09:00:00Z');
    expect(profileCompletion(done, at('2027-05-01T08:59:59Z')).complete).toBe(true);
    const lapsed = profileCompletion(done, at('2027-05-01T09:00:00Z'));
    expect(lapsed).toMatchObject({ complete: false, termsCurrent: false, missing: [termsRequirement] });
    expect(lapsed.percent).toBe(92);
    const resigned = signed(done, '2027-05-02T00:00:00Z');
    expect(profileCompletion(resigned, at('2027-05-02T00:00:01Z')).complete).toBe(true);
  });

  it('R10: a counted field cannot be cleared, and female workers cannot exceed the total', () => {
    const filled = applyProfileChanges(factory(), fullProfile);
    expect(() => applyProfileChanges(filled, { city: null })).toThrow(ValidationError);
    try {
      applyProfileChanges(filled, { femaleWorkers: 3000 });
      throw new Error('accepted');
    } catch (error) {
      expect((error as ValidationError).errors).toEqual([{ pointer: '/femaleWorkers', detail: expect.any(String) }]);
    }
    expect(() => applyProfileChanges(filled, { totalWorkers: 100 })).toThrow(ValidationError);
  });

  it('R10: the facility name and address are the factory\u2019s own, one value for registration and profile', () => {
    const renamed = applyProfileChanges(factory(), { facilityName: 'Meghna Knit Ltd.', address: 'Plot 15' });
    expect(renamed.name).toBe('Meghna Knit Ltd.');
    expect(renamed.address).toBe('Plot 15');
    expect(renamed.profile).toEqual({});
  });

  it('R10: each field is validated on its own (phone codes, phone digits, emails, counts)', () => {
    const ok = (name: keyof typeof profileFieldSchemas, value: unknown) =>
      profileFieldSchemas[name].safeParse(value).success;
    expect(['+880', '+62', '+84', '+1'].every((v) => ok('phoneCountryCode', v))).toBe(true);
    expect(['880', '+0', '+12345', '+8a'].some((v) => ok('phoneCountryCode', v))).toBe(false);
    expect(ok('phoneNumber', '2-5512 3400')).toBe(true);
    expect(ok('phoneNumber', '12345')).toBe(false);
    expect(ok('phoneNumber', '1234567890123456')).toBe(false);
    expect(ok('phoneNumber', '(02) 5512')).toBe(false);
    expect(ok('facilityEmail', 'not-an-email')).toBe(false);
    expect(ok('totalWorkers', 0)).toBe(false);
    expect(ok('totalWorkers', 1.5)).toBe(false);
    expect(ok('femaleWorkers', 0)).toBe(true);
    expect(ok('femaleWorkers', -1)).toBe(false);
    expect(ok('products', 'line\u0000break')).toBe(false);
    expect(ok('products', '   ')).toBe(false);
  });
});

describe('R23 cycles', () => {
  const first = registerFirstCycle(
    factory(),
    { startsOn: '2026-01-01', endsOn: '2026-12-31' },
    at('2026-01-10T00:00:00Z')
  );

  it('R7: the first cycle of a new factory, with sharing off by default (R1)', () => {
    expect(first.cycles).toEqual([
      {
        cycleId: 'BD-7KQ2M9XA-C1',
        sequence: 1,
        startsOn: '2026-01-01',
        endsOn: '2026-12-31',
        registeredAt: '2026-01-10T00:00:00.000Z',
        sharingEffective: false,
      },
    ]);
    expect(first.currentCycleId).toBe('BD-7KQ2M9XA-C1');
  });

  it('R23: the running cycle is kept: a next cycle that overlaps it or starts before it ends is refused (409)', () => {
    for (const period of [
      { startsOn: '2026-12-31', endsOn: '2027-12-31' },
      { startsOn: '2026-06-01', endsOn: '2027-05-31' },
      { startsOn: '2025-01-01', endsOn: '2025-12-31' },
    ]) {
      expect(() => registerNextCycle(first, period, at('2026-10-01T00:00:00Z'))).toThrow(ConflictError);
    }
    expect(() =>
      registerNextCycle(first, { startsOn: '2026-06-01', endsOn: '2027-05-31' }, at('2026-10-01T00:00:00Z'))
    ).toThrow(/keeps its cycle BD-7KQ2M9XA-C1/);
  });

  it('R23: a next cycle registered ahead leaves the running cycle current until it starts', () => {
    const next = registerNextCycle(first, { startsOn: '2027-01-01', endsOn: '2027-12-31' }, at('2026-10-01T00:00:00Z'));
    expect(next.cycles.map((c) => c.cycleId)).toEqual(['BD-7KQ2M9XA-C1', 'BD-7KQ2M9XA-C2']);
    expect(next.currentCycleId).toBe('BD-7KQ2M9XA-C1');
    expect(next.cycles[0]).toEqual(first.cycles[0]);
    expect(currentCycleOf(next, at('2026-12-31T23:00:00Z'))?.cycleId).toBe('BD-7KQ2M9XA-C1');
    expect(currentCycleOf(next, at('2027-01-01T00:00:00Z'))?.cycleId).toBe('BD-7KQ2M9XA-C2');
  });

  it('R23: sharing starts at the next cycle when it was requested, and the request is then used up', () => {
    const requested: FactoryDocument = {
      ...first,
      sharing: { ...first.sharing, pendingForNextCycle: true, requestedAt: '2026-05-01T00:00:00Z', requestedBy: 'fm' },
    };
    expect(sharingRequestStands(requested)).toBe(true);
    const next = registerNextCycle(
      requested,
      { startsOn: '2027-01-01', endsOn: '2027-12-31' },
      at('2026-10-01T00:00:00Z')
    );
    expect(next.cycles[1]!.sharingEffective).toBe(true);
    expect(next.cycles[0]!.sharingEffective).toBe(false);
    expect(next.sharing.pendingForNextCycle).toBe(false);
    const after = registerNextCycle(next, { startsOn: '2028-01-01', endsOn: '2028-12-31' }, at('2027-10-01T00:00:00Z'));
    expect(after.cycles[2]!.sharingEffective).toBe(false);
  });

  it('R23: without a request, or after an opt-out, the next cycle does not share', () => {
    const plain = registerNextCycle(
      first,
      { startsOn: '2027-01-01', endsOn: '2027-12-31' },
      at('2026-10-01T00:00:00Z')
    );
    expect(plain.cycles[1]!.sharingEffective).toBe(false);
    const optedOut: FactoryDocument = {
      ...first,
      sharing: { ...first.sharing, pendingForNextCycle: true, optedOutAt: '2026-06-01T00:00:00Z', optOutReason: 'no' },
    };
    expect(sharingRequestStands(optedOut)).toBe(false);
    const next = registerNextCycle(
      optedOut,
      { startsOn: '2027-01-01', endsOn: '2027-12-31' },
      at('2026-10-01T00:00:00Z')
    );
    expect(next.cycles[1]!.sharingEffective).toBe(false);
  });

  it('R23: a cycle ends after it starts, on real calendar days', () => {
    expect(() =>
      registerNextCycle(first, { startsOn: '2027-02-01', endsOn: '2027-01-01' }, at('2026-10-01T00:00:00Z'))
    ).toThrow(ValidationError);
    expect(() =>
      registerNextCycle(first, { startsOn: '2027-02-30', endsOn: '2027-12-01' }, at('2026-10-01T00:00:00Z'))
    ).toThrow(ValidationError);
  });
});
