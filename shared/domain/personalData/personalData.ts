// GDPR-style export and erasure of one person's personal data: where it is in a stored document, and the
// same document with it replaced by a stable pseudonym. The person is known by their user id (the token's
// `oid`, kept everywhere: audit events refer to it) and the name and email of their directory entry. Pure.

/** Whom to look for: the user id, and the name and email (absent once erased, or never known). */
export interface PersonIdentity {
  userId: string;
  email: string | undefined;
  name: string | undefined;
}

/** What replaces the person's name and email, the same on every run for the same user id. */
export interface Pseudonym {
  name: string;
  email: string;
}

export type PersonalValueKind = 'email' | 'name' | 'userId';

/** One place a document holds the person's data: a JSON pointer into the document and the value there. */
export interface PersonalValue {
  path: string;
  value: string;
  kind: PersonalValueKind;
}

/** The pseudonym made from a tag (the app derives it from the user id: `erased-<12 hex>`); `.invalid` never delivers. */
export function pseudonymFromTag(tag: string): Pseudonym {
  return { name: tag, email: `${tag}@invalid` };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A name shorter than this is matched only as a whole value ("Ha" inside a sentence is not the person). */
const shortestNameInText = 4;

interface Matchers {
  email: RegExp | undefined;
  name: RegExp | undefined;
  nameExact: string | undefined;
}

function matchersOf(identity: PersonIdentity): Matchers {
  const email = identity.email?.trim();
  const name = identity.name?.trim();
  return {
    // An address inside a longer text too (an email's body); not as the tail of a longer address.
    email: email ? new RegExp(`(?<![\\w.+-])${escape(email)}(?![\\w-])`, 'giu') : undefined,
    // A name as whole words, in any case; a very short one only as the whole value.
    name:
      name && name.length >= shortestNameInText
        ? new RegExp(`(?<![\\p{L}\\p{N}])${escape(name)}(?![\\p{L}\\p{N}])`, 'giu')
        : undefined,
    nameExact: name ? name.toLowerCase() : undefined,
  };
}

function kindOf(value: string, identity: PersonIdentity, m: Matchers): PersonalValueKind | undefined {
  if (m.email) {
    m.email.lastIndex = 0;
    if (m.email.test(value)) return 'email';
  }
  if (m.nameExact !== undefined && value.trim().toLowerCase() === m.nameExact) return 'name';
  if (m.name) {
    m.name.lastIndex = 0;
    if (m.name.test(value)) return 'name';
  }
  return value === identity.userId ? 'userId' : undefined;
}

/** Bookkeeping the store adds (`_etag`, `_rid`, ...): never personal data, never rewritten. */
const isBookkeeping = (key: string) => key.startsWith('_');

const pointerOf = (path: readonly (string | number)[]) =>
  path.length === 0 ? '' : `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

/**
 * Every string of the document that is, or contains, the person's email or name, or is their user id (a
 * reference, kept by an erasure), with where it is. Object keys are not values and are not searched.
 */
export function findPersonalValues(doc: unknown, identity: PersonIdentity): PersonalValue[] {
  const m = matchersOf(identity);
  const found: PersonalValue[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === 'string') {
      const kind = kindOf(value, identity, m);
      if (kind) found.push({ path: pointerOf(path), value, kind });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) if (!isBookkeeping(key)) walk(child, [...path, key]);
    }
  };
  walk(doc, []);
  return found;
}

/** Whether the document holds the person's name or email (references by user id do not count). */
export function holdsNameOrEmail(doc: unknown, identity: PersonIdentity): boolean {
  return findPersonalValues(doc, identity).some((v) => v.kind !== 'userId');
}

/**
 * The document with every occurrence of the person's email and name replaced by the pseudonym; everything
 * else (ids, times, actions, the structure, references by user id) as it was.
 */
export function pseudonymise<T>(doc: T, identity: PersonIdentity, pseudonym: Pseudonym): T {
  const m = matchersOf(identity);
  const rewrite = (value: string): string => {
    let next = value;
    if (m.email) next = next.replace(m.email, pseudonym.email);
    if (m.nameExact !== undefined && next.trim().toLowerCase() === m.nameExact) return pseudonym.name;
    if (m.name) next = next.replace(m.name, pseudonym.name);
    return next;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return rewrite(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, child]) => [key, isBookkeeping(key) ? child : walk(child)])
      );
    }
    return value;
  };
  return walk(doc) as T;
}
