import { assertSlcpLaunched } from '../../domain/countryProgrammes';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import { loadCountryProgramme } from '../enrolment/countryProgrammes';

/**
 * Refuses (422, rule "Country programmes") an SLCP action in a country where data sharing does not run:
 * the stored country programme (its launch date as the administrators set it), else the one Better Work set up.
 */
export async function assertCountryLaunched(store: DocumentStore, clock: Clock, countryCode: string): Promise<void> {
  const { programme } = await loadCountryProgramme(store, countryCode);
  assertSlcpLaunched(programme, clock.now());
}
