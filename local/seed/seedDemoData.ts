// Demo data of the local platform: the country programmes, the user directory of the demo users, and demo
// factories in Bangladesh, Indonesia and Vietnam at different stages of enrolment (invited; profile half
// filled; profile complete with the T&C signed; SLCP sharing requested for the next cycle). Fixed ids, so
// tokens of the demo users (`npm run token -- fm-bd-1`) reach their factory. Idempotent: a document that
// is already there is left as it is, so running it again changes nothing (nor what people did since).
import { createHash } from 'node:crypto';
import { hashToken } from '../../shared/app/enrolment/invitations';
import type { UserDocument } from '../../shared/app/users/userDirectory';
import type { Role } from '../../shared/domain/access/roles';
import { betterWorkCountryProgrammes, countryProgrammeDocument, utcDay } from '../../shared/domain/countryProgrammes';
import { addRuleDuration } from '../../shared/domain/durations';
import { ConflictError } from '../../shared/domain/errors';
import { registerFirstCycle } from '../../shared/domain/factory/cycles';
import { newFactoryDocument, type AuditEventDocument, type FactoryDocument } from '../../shared/domain/factory/factory';
import { newInvitation } from '../../shared/domain/factory/invitation';
import { applyProfileChanges, signTerms, type ProfileChanges } from '../../shared/domain/factory/profile';
import type { Clock } from '../../shared/ports/clock';
import type { DocumentStore, WriteOperation } from '../../shared/ports/documentStore';
import { demoUsers as allDemoUsers, type DemoUser } from './demoUsers';

export type DemoStage = 'invited' | 'profileHalfFilled' | 'profileComplete' | 'sharingRequested';

export interface DemoFactory {
  factoryId: string;
  /** The `factoryKey` of the demo factory manager bound to it; none while the invitation is pending. */
  key: string | undefined;
  stage: DemoStage;
  name: string;
  address: string;
  osHubId: string | undefined;
  /**
   * Where the invitation went (R7). Only the account with this email may accept a seeded link: a pending
   * factory whose link a demo user is to accept is invited at that user's address.
   */
  managerEmail: string;
  city: string;
  postalCode: string;
  phoneCountryCode: string;
  products: string;
  totalWorkers: number;
  femaleWorkers: number;
  /** `brandKey`s of the demo brands subscribing to the factory. */
  brands: string[];
}

export const demoFactories: readonly DemoFactory[] = [
  {
    factoryId: 'BD-DEMO0001',
    key: 'factory-bd-1',
    stage: 'profileComplete',
    name: 'Meghna Knit Composite Ltd.',
    address: 'Plot 14, Road 3, Tongi Industrial Area',
    osHubId: 'BD2019085NWMQ4H',
    managerEmail: 'manager@factory-bd-1.example.com',
    city: 'Gazipur',
    postalCode: '1710',
    phoneCountryCode: '+880',
    products: 'Knitted T-shirts, polo shirts and sweatshirts',
    totalWorkers: 2450,
    femaleWorkers: 1520,
    brands: ['brand-1'],
  },
  {
    factoryId: 'BD-DEMO0002',
    key: 'factory-bd-2',
    stage: 'sharingRequested',
    name: 'Padma Denim Apparels Ltd.',
    address: 'Holding 112, Kashimpur Road, Konabari',
    osHubId: undefined,
    managerEmail: 'manager@factory-bd-2.example.com',
    city: 'Gazipur',
    postalCode: '1346',
    phoneCountryCode: '+880',
    products: 'Denim trousers and jackets',
    totalWorkers: 1830,
    femaleWorkers: 990,
    brands: ['brand-2'],
  },
  {
    factoryId: 'BD-DEMO0003',
    key: undefined,
    stage: 'invited',
    name: 'Karnaphuli Sweaters Ltd.',
    address: 'Shed 7, Chittagong Export Processing Zone',
    osHubId: undefined,
    managerEmail: 'manager@factory-bd-3.example.com',
    city: 'Chattogram',
    postalCode: '4223',
    phoneCountryCode: '+880',
    products: 'Sweaters and cardigans',
    totalWorkers: 900,
    femaleWorkers: 610,
    brands: [],
  },
  {
    factoryId: 'ID-DEMO0001',
    key: 'factory-id-1',
    stage: 'profileHalfFilled',
    name: 'PT Sinar Garmen Nusantara',
    address: 'Jl. Raya Bogor KM 28 No. 5',
    osHubId: undefined,
    managerEmail: 'manager@factory-id-1.example.com',
    city: 'Jakarta Timur',
    postalCode: '13710',
    phoneCountryCode: '+62',
    products: 'Woven shirts and blouses',
    totalWorkers: 1200,
    femaleWorkers: 950,
    brands: ['brand-1'],
  },
  {
    factoryId: 'ID-DEMO0002',
    key: undefined,
    stage: 'invited',
    name: 'PT Batik Busana Semarang',
    address: 'Kawasan Industri Wijayakusuma Blok C-9',
    osHubId: undefined,
    managerEmail: 'manager@factory-id-2.example.com',
    city: 'Semarang',
    postalCode: '50186',
    phoneCountryCode: '+62',
    products: 'Sportswear',
    totalWorkers: 700,
    femaleWorkers: 520,
    brands: [],
  },
  {
    factoryId: 'VN-DEMO0001',
    key: 'factory-vn-1',
    stage: 'profileComplete',
    name: 'Saigon Sun Garment Co., Ltd.',
    address: 'Lot C3, Tan Thuan Export Processing Zone, District 7',
    osHubId: 'VN2020112H7K3PQ',
    managerEmail: 'manager@factory-vn-1.example.com',
    city: 'Ho Chi Minh City',
    postalCode: '700000',
    phoneCountryCode: '+84',
    products: 'Outerwear and technical jackets',
    totalWorkers: 3100,
    femaleWorkers: 2300,
    brands: ['brand-1', 'brand-2'],
  },
  {
    factoryId: 'VN-DEMO0002',
    key: undefined,
    stage: 'invited',
    name: 'Hai Phong Textile Fashion JSC',
    address: 'Lot 12, Nomura Industrial Park, An Duong',
    osHubId: undefined,
    // Invited at fm-vn-1's own address (local/seed/demoUsers.ts), so that demo user can accept the seeded
    // link (R7: only the invited account may): a manager of a second factory.
    managerEmail: 'manager@factory-vn-1.example.com',
    city: 'Hai Phong',
    postalCode: '180000',
    phoneCountryCode: '+84',
    products: 'Childrenswear',
    totalWorkers: 650,
    femaleWorkers: 480,
    brands: [],
  },
];

const seedActor = { userId: 'demo-seed', roles: [] as string[] };
const staffRoles: readonly Role[] = ['RegistrationStaff', 'EnterpriseAdvisor', 'Assessor'];
const dayMs = 86_400_000;

/**
 * The link token of a seeded invitation, derived from the factory id so a demo can use it (local only;
 * real invitations carry 32 random bytes). It works once and for seven days after seeding.
 */
export function demoInvitationToken(factoryId: string): string {
  const secret = createHash('sha256').update(`bw-slcp demo invitation ${factoryId}`).digest('base64url');
  return `${factoryId}.${secret}`;
}

function managerOf(factory: DemoFactory, users: readonly DemoUser[]): DemoUser | undefined {
  return factory.key
    ? users.find((u) => u.factoryKey === factory.key && u.roles.includes('FactoryManager'))
    : undefined;
}

function advisorsOf(factory: DemoFactory, users: readonly DemoUser[]): DemoUser[] {
  // The enterprise advisors of a country follow its registered demo factories.
  if (factory.stage === 'invited') return [];
  return users.filter((u) => u.roles.includes('EnterpriseAdvisor') && u.countryCode === factory.factoryId.slice(0, 2));
}

export function demoFactoryDocument(factory: DemoFactory, users: readonly DemoUser[], now: Date): FactoryDocument {
  const created = newFactoryDocument({
    factoryId: factory.factoryId,
    name: factory.name,
    address: factory.address,
    osHubId: factory.osHubId,
    now: new Date(now.getTime() - 120 * dayMs).toISOString(),
  });
  let doc = registerFirstCycle(
    created,
    { startsOn: utcDay(new Date(now.getTime() - 90 * dayMs)), endsOn: utcDay(new Date(now.getTime() + 275 * dayMs)) },
    new Date(now.getTime() - 120 * dayMs)
  );
  doc = {
    ...doc,
    advisorUserIds: advisorsOf(factory, users).map((u) => u.userId),
    subscribedBrandIds: [...factory.brands],
  };
  const manager = managerOf(factory, users);
  if (factory.stage !== 'invited' && manager) {
    doc = {
      ...doc,
      status: 'registered',
      managerUserIds: [manager.userId],
      invitation: {
        sentTo: factory.managerEmail,
        sentAt: new Date(now.getTime() - 120 * dayMs).toISOString(),
        expiresAt: new Date(now.getTime() - 113 * dayMs).toISOString(),
        acceptedAt: new Date(now.getTime() - 118 * dayMs).toISOString(),
      },
    };
  }
  const half: ProfileChanges = {
    city: factory.city,
    postalCode: factory.postalCode,
    phoneCountryCode: factory.phoneCountryCode,
    phoneNumber: '2 5512 3400',
    totalWorkers: factory.totalWorkers,
  };
  const domain = factory.managerEmail.split('@')[1]!;
  const rest: ProfileChanges = {
    facilityEmail: `office@${domain}`,
    contactPersonName: manager?.name ?? 'Factory manager',
    contactPersonTitle: 'General Manager',
    contactEmail: factory.managerEmail,
    femaleWorkers: factory.femaleWorkers,
    products: factory.products,
  };
  if (factory.stage === 'profileHalfFilled') doc = applyProfileChanges(doc, half);
  if (factory.stage === 'profileComplete' || factory.stage === 'sharingRequested') {
    doc = applyProfileChanges(doc, { ...half, ...rest });
    doc = signTerms(doc, { userId: manager?.userId ?? seedActor.userId, now: new Date(now.getTime() - 30 * dayMs) });
  }
  if (factory.stage === 'sharingRequested') {
    doc = {
      ...doc,
      sharing: {
        ...doc.sharing,
        pendingForNextCycle: true,
        requestedAt: new Date(now.getTime() - 10 * dayMs).toISOString(),
        requestedBy: manager?.userId ?? seedActor.userId,
      },
    };
  }
  if (factory.stage === 'invited') {
    doc = {
      ...doc,
      invitation: {
        sentTo: factory.managerEmail,
        sentAt: now.toISOString(),
        expiresAt: addRuleDuration(now, 'invitationValidity').toISOString(),
        acceptedAt: undefined,
      },
    };
  }
  return { ...doc, updatedAt: now.toISOString() };
}

export function demoUserDocument(user: DemoUser, users: readonly DemoUser[], now: Date): UserDocument {
  const factories = demoFactories.map((f) => ({ f, doc: demoFactoryDocument(f, users, now) }));
  return {
    id: user.userId,
    type: 'user',
    userId: user.userId,
    name: user.name,
    email: user.email,
    countryCodes: user.countryCode && user.roles.some((r) => staffRoles.includes(r)) ? [user.countryCode] : [],
    factoryIds: user.roles.includes('FactoryManager')
      ? factories.filter(({ doc }) => doc.managerUserIds.includes(user.userId)).map(({ f }) => f.factoryId)
      : [],
    advisedFactoryIds: user.roles.includes('EnterpriseAdvisor')
      ? factories.filter(({ doc }) => doc.advisorUserIds.includes(user.userId)).map(({ f }) => f.factoryId)
      : [],
    brandId: user.roles.includes('Brand') ? user.brandKey : undefined,
    updatedAt: now.toISOString(),
  };
}

/** Writes these documents unless the first is already there (then the group is left as it is). */
async function createOnce(
  store: DocumentStore,
  container: 'countryProgrammes' | 'factories' | 'users',
  partitionKey: string,
  operations: WriteOperation[]
): Promise<void> {
  const first = operations[0]!;
  const id = first.kind === 'delete' ? first.id : first.doc.id;
  if (await store.read(container, partitionKey, id)) return;
  try {
    await store.write(container, partitionKey, operations);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error; // written meanwhile by another run
  }
}

export async function seedDemoData(
  store: DocumentStore,
  clock: Clock,
  users: readonly DemoUser[] = allDemoUsers
): Promise<void> {
  const now = clock.now();
  const at = now.toISOString();
  for (const programme of betterWorkCountryProgrammes) {
    await createOnce(store, 'countryProgrammes', programme.countryCode, [
      { kind: 'create', doc: countryProgrammeDocument(programme, at) },
    ]);
  }
  for (const factory of demoFactories) {
    const doc = demoFactoryDocument(factory, users, now);
    const audit: AuditEventDocument = {
      id: `audit-seed-${factory.factoryId}`,
      type: 'audit',
      countryCode: doc.countryCode,
      factoryId: doc.factoryId,
      at,
      actor: seedActor,
      action: 'demoDataSeeded',
      before: null,
      after: doc,
    };
    const operations: WriteOperation[] = [
      { kind: 'create', doc },
      { kind: 'create', doc: audit },
    ];
    if (factory.stage === 'invited') {
      operations.push({
        kind: 'create',
        doc: newInvitation({
          factoryId: factory.factoryId,
          countryCode: doc.countryCode,
          tokenHash: hashToken(demoInvitationToken(factory.factoryId)),
          email: factory.managerEmail,
          issuedBy: seedActor.userId,
          now,
        }),
      });
    }
    await createOnce(store, 'factories', doc.countryCode, operations);
  }
  for (const user of users) {
    await createOnce(store, 'users', user.userId, [{ kind: 'create', doc: demoUserDocument(user, users, now) }]);
  }
}
