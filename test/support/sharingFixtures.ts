// Fixtures of the SLCP sharing tests: a memory store seeded with a registered factory, its people, and a
// clock the test moves by hand.
import { memoryDocumentStore } from '../../shared/adapters/memory/memoryDocumentStore';
import type { UserDocument } from '../../shared/app/users/userDirectory';
import type { Principal, Role } from '../../shared/domain/access/roles';
import { newFactoryDocument, type FactoryDocument } from '../../shared/domain/factory/factory';
import type { Clock } from '../../shared/ports/clock';
import type { DocumentStore } from '../../shared/ports/documentStore';

export class TestClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(to: Date): void {
    this.current = new Date(to);
  }
}

export const completeProfile = {
  city: 'Dhaka',
  postalCode: '1207',
  phoneCountryCode: '+880',
  phoneNumber: '2 5566 7788',
  facilityEmail: 'office@factory-one.example.com',
  contactPersonName: 'Rahim Uddin',
  contactPersonTitle: 'Compliance manager',
  contactEmail: 'compliance@factory-one.example.com',
  totalWorkers: 1200,
  femaleWorkers: 800,
  products: 'Knitwear',
};

export function person(userId: string, roles: Role[], email?: string): Principal {
  return { userId, roles, email, name: undefined };
}

export const people = {
  manager: person('u-manager', ['FactoryManager'], 'manager@factory-one.example.com'),
  otherManager: person('u-manager-2', ['FactoryManager'], 'manager@factory-two.example.com'),
  staff: person('u-staff-bd', ['RegistrationStaff'], 'registration.bd@example.org'),
  staffVn: person('u-staff-vn', ['RegistrationStaff'], 'registration.vn@example.org'),
  advisor: person('u-advisor', ['EnterpriseAdvisor']),
  assessor: person('u-assessor', ['Assessor']),
  admin: person('u-admin', ['Admin'], 'admin@example.org'),
  brand: person('u-brand', ['Brand'], 'buyer@brand-one.example.com'),
  otherBrand: person('u-brand-2', ['Brand'], 'buyer@brand-two.example.com'),
};

function userDoc(principal: Principal, scope: Partial<UserDocument>, now: string): UserDocument {
  return {
    id: principal.userId,
    type: 'user',
    userId: principal.userId,
    name: undefined,
    email: principal.email,
    countryCodes: [],
    factoryIds: [],
    advisedFactoryIds: [],
    brandId: undefined,
    updatedAt: now,
    ...scope,
  };
}

export const factoryOne = 'BD-FACT0001';
export const factoryTwo = 'BD-FACT0002';

/** A factory registered on the BW platform with a complete profile and T&C signed `now`. */
export function registeredFactory(
  factoryId: string,
  now: Date,
  overrides: Partial<FactoryDocument> = {}
): FactoryDocument {
  const base = newFactoryDocument({
    factoryId,
    name: `Factory ${factoryId}`,
    address: '12 Road 5, Mirpur, Dhaka',
    osHubId: undefined,
    now: now.toISOString(),
  });
  return {
    ...base,
    status: 'registered',
    profile: { ...completeProfile },
    terms: { signedAt: now.toISOString(), signedBy: 'u-manager' },
    ...overrides,
  };
}

export async function seedPeople(store: DocumentStore, now: Date): Promise<void> {
  const at = now.toISOString();
  const docs: UserDocument[] = [
    userDoc(people.manager, { factoryIds: [factoryOne] }, at),
    userDoc(people.otherManager, { factoryIds: [factoryTwo] }, at),
    userDoc(people.staff, { countryCodes: ['BD'] }, at),
    userDoc(people.staffVn, { countryCodes: ['VN'] }, at),
    userDoc(people.advisor, { advisedFactoryIds: [factoryOne] }, at),
    userDoc(people.assessor, { countryCodes: ['BD'] }, at),
    userDoc(people.admin, {}, at),
    userDoc(people.brand, { brandId: 'brand-1' }, at),
    userDoc(people.otherBrand, { brandId: 'brand-2' }, at),
  ];
  for (const doc of docs) await store.write('users', doc.userId, [{ kind: 'create', doc }]);
}

export async function seedFactory(store: DocumentStore, factory: FactoryDocument): Promise<void> {
  await store.write('factories', factory.countryCode, [{ kind: 'create', doc: factory }]);
}

/** A memory store with factory one (manager u-manager, brand-1 subscribed) and factory two. */
export async function sharingWorld(now = new Date('2030-03-01T08:00:00Z')) {
  const store = memoryDocumentStore();
  const clock = new TestClock(now);
  await seedPeople(store, now);
  await seedFactory(
    store,
    registeredFactory(factoryOne, now, { managerUserIds: [people.manager.userId], subscribedBrandIds: ['brand-1'] })
  );
  await seedFactory(store, registeredFactory(factoryTwo, now, { managerUserIds: [people.otherManager.userId] }));
  return { store, clock };
}

export async function readFactory(store: DocumentStore, factoryId: string): Promise<FactoryDocument> {
  const found = await store.read<FactoryDocument>('factories', factoryId.slice(0, 2), factoryId);
  if (!found) throw new Error(`no factory ${factoryId}`);
  return found.doc;
}

/** Every document of a factory partition of a given type. */
export async function partitionDocs(store: DocumentStore, countryCode: string, type: string) {
  const page = await store.query<{ id: string; type: string; [k: string]: unknown }>(
    'factories',
    countryCode,
    {
      query: 'SELECT * FROM c WHERE c.countryCode = @pk AND c.type = @type',
      parameters: [{ name: '@type', value: type }],
    },
    { maxItems: 1000 }
  );
  return page.items;
}
