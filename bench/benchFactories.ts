// The factories the `api` benchmark writes straight into the local Cosmos server: the document shape of
// the app's own constructors (newFactoryDocument, then registerFirstCycle, as staff enrolment makes it),
// with deterministic ids and names whose order by name is not the order of the ids.
import { utcDay } from '../shared/domain/countryProgrammes';
import { registerFirstCycle } from '../shared/domain/factory/cycles';
import { newFactoryDocument, type FactoryDocument } from '../shared/domain/factory/factory';

const dayMs = 86_400_000;
const rivers = ['Meghna', 'Padma', 'Jamuna', 'Karnaphuli', 'Surma', 'Teesta', 'Rupsha', 'Buriganga', 'Dhaleshwari'];
const kinds = ['Knit Composite', 'Denim Apparels', 'Sweaters', 'Garments', 'Fashions', 'Textile Mills', 'Knitwear'];

/** `BD-X0000000`, `BD-X0000001`, …: 8 characters after the dash, as factoryIdPattern wants (36^7 ids). */
export function benchFactoryId(countryCode: string, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 36 ** 7) throw new RangeError(`bad factory index ${index}`);
  return `${countryCode}-X${index.toString(36).toUpperCase().padStart(7, '0')}`;
}

/** A plausible, unique name; consecutive indexes land far apart in name order. */
export function benchFactoryName(index: number): string {
  const river = rivers[(index * 7) % rivers.length]!;
  const kind = kinds[(index * 3) % kinds.length]!;
  return `${river} ${kind} ${String((index * 7919) % 100_000).padStart(5, '0')}-${index} Ltd.`;
}

/** One factory of the country, enrolled for a running first cycle (60 days in, ending in 305 days). */
export function benchFactoryDocument(countryCode: string, index: number, now: Date): FactoryDocument {
  const created = newFactoryDocument({
    factoryId: benchFactoryId(countryCode, index),
    name: benchFactoryName(index),
    address: `Plot ${1 + (index % 400)}, Road ${1 + (index % 37)}, Export Processing Zone`,
    osHubId: undefined,
    now: now.toISOString(),
  });
  return registerFirstCycle(
    created,
    { startsOn: utcDay(new Date(now.getTime() - 60 * dayMs)), endsOn: utcDay(new Date(now.getTime() + 305 * dayMs)) },
    now
  );
}
