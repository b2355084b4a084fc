/**
 * The app roles of the Entra ID app registration (the `roles` claim of a token), one per actor of the
 * domain. `Gateway` is the SLCP Gateway calling as a machine.
 */
export const roles = [
  'FactoryManager',
  'RegistrationStaff',
  'EnterpriseAdvisor',
  'Assessor',
  'Admin',
  'Brand',
  'Gateway',
] as const;
export type Role = (typeof roles)[number];

export const staffRoles: readonly Role[] = ['RegistrationStaff', 'EnterpriseAdvisor', 'Assessor'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

/** Who is calling, as the validated token says. What they may touch is decided per object (see policy). */
export interface Principal {
  /** The stable user (or application) id: the token's `oid`, else `sub`. */
  userId: string;
  roles: Role[];
  email: string | undefined;
  name: string | undefined;
}
