// The people (and the one machine) of the local platform: the development identity provider mints a
// token for any of them (`npm run token -- <key>`). Fictitious names; e-mail addresses only on the
// reserved example.org / example.com domains. The user ids are fixed so data seeded for them survives.
import type { Role } from '../../shared/domain/access/roles';

export type DemoCountry = 'BD' | 'ID' | 'VN';

export interface DemoUser {
  /** What you type: `npm run token -- fm-bd-1`. */
  key: string;
  /** The token's `oid` and `sub`: a stable GUID, like an Entra ID object id. */
  userId: string;
  name: string;
  email: string;
  roles: Role[];
  /** Better Work staff and factory managers work in one launched country. */
  countryCode?: DemoCountry;
  /** The demo factory this factory manager manages (seeded separately). */
  factoryKey?: string;
  /** The demo brand this user works for (seeded separately). */
  brandKey?: string;
}

export const demoUsers: readonly DemoUser[] = [
  {
    key: 'admin',
    userId: '40e04ccf-fa95-44c9-82b8-5fbeb0794419',
    name: 'Alex Morgan',
    email: 'admin@example.org',
    roles: ['Admin'],
  },
  {
    key: 'registration-bd',
    userId: '8564fe53-94ff-4c8e-a1ed-ef1e140305f3',
    name: 'Nusrat Jahan',
    email: 'registration.bd@example.org',
    roles: ['RegistrationStaff'],
    countryCode: 'BD',
  },
  {
    key: 'registration-id',
    userId: '5ed3c647-a702-4677-89e3-2133ab2cd52c',
    name: 'Siti Rahayu',
    email: 'registration.id@example.org',
    roles: ['RegistrationStaff'],
    countryCode: 'ID',
  },
  {
    key: 'registration-vn',
    userId: '9e2f4c06-4823-4fd8-bdd8-d9749f16fd16',
    name: 'Nguyen Thi Lan',
    email: 'registration.vn@example.org',
    roles: ['RegistrationStaff'],
    countryCode: 'VN',
  },
  {
    key: 'advisor-bd',
    userId: '29d8156f-5064-44e4-a371-8e5748520bfb',
    name: 'Tanvir Hossain',
    email: 'advisor.bd@example.org',
    roles: ['EnterpriseAdvisor'],
    countryCode: 'BD',
  },
  {
    key: 'assessor-bd',
    userId: 'fc868a38-159a-4348-bd30-0a66ac10e41a',
    name: 'Farhana Akter',
    email: 'assessor.bd@example.org',
    roles: ['Assessor'],
    countryCode: 'BD',
  },
  {
    key: 'assessor-vn',
    userId: '8b7564c7-0239-4a52-a06b-42aace41e5e4',
    name: 'Tran Van Minh',
    email: 'assessor.vn@example.org',
    roles: ['Assessor'],
    countryCode: 'VN',
  },
  {
    key: 'fm-bd-1',
    userId: '2a33888e-6e76-4bca-963b-e4b5a80a414c',
    name: 'Rafiq Islam',
    email: 'manager@factory-bd-1.example.com',
    roles: ['FactoryManager'],
    countryCode: 'BD',
    factoryKey: 'factory-bd-1',
  },
  {
    key: 'fm-bd-2',
    userId: 'c81eb2bc-8719-45a8-ae03-4388641c1897',
    name: 'Shirin Begum',
    email: 'manager@factory-bd-2.example.com',
    roles: ['FactoryManager'],
    countryCode: 'BD',
    factoryKey: 'factory-bd-2',
  },
  {
    key: 'fm-id-1',
    userId: 'c06686be-7d7d-4b9b-8b4a-55b59124f919',
    name: 'Budi Santoso',
    email: 'manager@factory-id-1.example.com',
    roles: ['FactoryManager'],
    countryCode: 'ID',
    factoryKey: 'factory-id-1',
  },
  {
    key: 'fm-vn-1',
    userId: 'e2dada17-7b08-4bc9-94aa-8f70f1ca509f',
    name: 'Pham Thu Ha',
    email: 'manager@factory-vn-1.example.com',
    roles: ['FactoryManager'],
    countryCode: 'VN',
    factoryKey: 'factory-vn-1',
  },
  {
    key: 'brand-1',
    userId: 'd8817357-d78f-4f81-b694-4b826f14de06',
    name: 'Jordan Lee',
    email: 'sourcing@brand-1.example.com',
    roles: ['Brand'],
    brandKey: 'brand-1',
  },
  {
    key: 'brand-2',
    userId: 'dca1e017-9b0a-41ce-abf5-615fb0a1aa7f',
    name: 'Sam Rivera',
    email: 'compliance@brand-2.example.com',
    roles: ['Brand'],
    brandKey: 'brand-2',
  },
  {
    key: 'gateway',
    userId: '6632dcd2-5c37-48b7-b1ac-b83c7da140df',
    name: 'SLCP Gateway (demo)',
    email: 'gateway@example.com',
    roles: ['Gateway'],
  },
];

/** The demo user with this key, if any. */
export function findDemoUser(key: string): DemoUser | undefined {
  return demoUsers.find((u) => u.key === key);
}

/** One line per demo user: key, roles, country, factory or brand (for the banner and the token CLI). */
export function describeDemoUsers(users: readonly DemoUser[] = demoUsers): string[] {
  const width = Math.max(...users.map((u) => u.key.length));
  return users.map((u) => {
    const where = [u.countryCode, u.factoryKey, u.brandKey].filter(Boolean).join(' ');
    return `${u.key.padEnd(width)}  ${u.roles.join(', ')}${where ? ` (${where})` : ''}`;
  });
}
