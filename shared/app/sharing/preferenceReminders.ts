// R3: the daily run of preference reminders. Two months before its running cycle ends, each factory's
// managers are invited (portal notification and email) to state whether they want to share via SLCP from
// the next cycle, with a link to the request page. Once per cycle: the cycle records that it was reminded,
// in the same audited batch as the outbox entries, so a second run the same day sends nothing.
import { NotFoundError, PreconditionFailedError } from '../../domain/errors';
import type { Principal } from '../../domain/access/roles';
import { isSlcpLaunched, utcDay } from '../../domain/countryProgrammes';
import type { CycleEntry, FactoryDocument } from '../../domain/factory/factory';
import {
  latestCycleEndInReminderWindow,
  markPreferenceReminderSent,
  preferenceReminderDue,
} from '../../domain/sharing/preferenceReminder';
import type { CommonSettings } from '../../config/settings';
import type { Clock } from '../../ports/clock';
import type { DocumentStore } from '../../ports/documentStore';
import { loadCountryProgramme } from '../enrolment/countryProgrammes';
import { saveFactoryChange } from '../factories/factoryStore';
import { managerContacts, managerDeliveries, slcpRequestPageLink } from './managerContacts';

export interface PreferenceReminderDeps {
  store: DocumentStore;
  clock: Clock;
  settings: Pick<CommonSettings, 'portalBaseUrl'>;
  /** One line per factory that could not be reminded (ids and reasons only). */
  log?: (line: string) => void;
}

export interface PreferenceReminderRun {
  /** Factories whose managers were reminded in this run. */
  reminded: number;
  /** Due but not reminded in this run (changed meanwhile, or failed): the next run tries again. */
  skipped: number;
}

/** Who the audit trail names for the reminder: the platform's scheduler, not a person. */
export const schedulerActor: Principal = {
  userId: 'bw-slcp-scheduler',
  roles: [],
  email: undefined,
  name: 'Scheduler',
};

export const preferenceReminderSubject = 'Do you want to share your data via SLCP from your next cycle?';

export function preferenceReminderText(factory: FactoryDocument, cycle: CycleEntry): string {
  return (
    `The current Better Work cycle of ${factory.name} ends on ${cycle.endsOn}. Do you want to share its ` +
    'assessment data with your buyers via the SLCP Gateway from the next cycle? Sharing via SLCP is voluntary ' +
    'and stays off unless you ask for it. To ask, tick "Request for data sharing via SLCP" on the request page; ' +
    'the request takes effect from your next cycle, and your current cycle stays as it is. ' +
    'If you do not want to share, there is nothing to do.'
  );
}

/**
 * One run: the factories with a manager whose running cycle ends within the reminder window and was not
 * reminded yet (the one cross-partition query, a background job), decided exactly by the rule, each re-read
 * for its ETag and saved conditionally on it (audited) with a notification and an email for each manager.
 */
export async function sendDuePreferenceReminders(deps: PreferenceReminderDeps): Promise<PreferenceReminderRun> {
  const run: PreferenceReminderRun = { reminded: 0, skipped: 0 };
  const now = deps.clock.now();
  const candidates = await deps.store.queryAcrossPartitions<FactoryDocument>('factories', {
    query:
      "SELECT * FROM c WHERE c.type = 'factory' AND ARRAY_LENGTH(c.managerUserIds) > 0 AND EXISTS(" +
      'SELECT VALUE cy FROM cy IN c.cycles WHERE cy.startsOn <= @today AND cy.endsOn >= @today ' +
      'AND cy.endsOn <= @lastEndsOn AND NOT IS_DEFINED(cy.preferenceReminderSentAt))',
    parameters: [
      { name: '@today', value: utcDay(now) },
      { name: '@lastEndsOn', value: latestCycleEndInReminderWindow(now) },
    ],
  });
  const due = candidates
    .filter((factory) => preferenceReminderDue(factory, now) !== undefined)
    .sort((a, b) => a.factoryId.localeCompare(b.factoryId));
  for (const candidate of due) {
    try {
      if (!(await slcpLaunchedIn(deps, candidate.countryCode, now))) continue;
      if (await remind(deps, candidate, now)) run.reminded++;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError || error instanceof NotFoundError)) {
        deps.log?.(`preference reminder for ${candidate.factoryId} failed: ${(error as Error)?.message ?? error}`);
      }
      run.skipped++;
    }
  }
  return run;
}

/** No invitation to a request the country would refuse: SLCP sharing must run there (country programmes). */
async function slcpLaunchedIn(deps: PreferenceReminderDeps, countryCode: string, now: Date): Promise<boolean> {
  try {
    const { programme } = await loadCountryProgramme(deps.store, countryCode);
    return isSlcpLaunched(programme, now);
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** Re-reads the factory, decides again on what is stored, and records the reminder with its deliveries. */
async function remind(deps: PreferenceReminderDeps, candidate: FactoryDocument, now: Date): Promise<boolean> {
  const loaded = await deps.store.read<FactoryDocument>('factories', candidate.countryCode, candidate.id);
  if (!loaded || loaded.doc.type !== 'factory') return false;
  const cycle = preferenceReminderDue(loaded.doc, now);
  if (!cycle) return false;
  const contacts = await managerContacts(deps.store, loaded.doc);
  await saveFactoryChange(deps.store, deps.clock, {
    actor: schedulerActor,
    action: 'slcp.preferenceReminderSent',
    before: loaded,
    after: markPreferenceReminderSent(loaded.doc, cycle.cycleId, now),
    ifMatch: loaded.etag,
    deliver: managerDeliveries(contacts, {
      subject: preferenceReminderSubject,
      text: preferenceReminderText(loaded.doc, cycle),
      link: slcpRequestPageLink(deps.settings.portalBaseUrl, loaded.doc.factoryId),
      email: true,
    }),
  });
  return true;
}
