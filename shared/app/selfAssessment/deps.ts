// What the self-assessment use cases need from the platform: the store, the clock and the question bank
// versions (shared/app/questionBank). Which version is the latest is kept briefly per process (finding it
// lists the versions across their partitions); a version's content never changes, so it is kept for good
// by the question bank's own cache.
import type { Platform } from '../../composition';
import { questionBankCatalogue, questionBankDeps } from '../questionBank/questionBanks';
import { ReadCache } from '../readCache';
import type { QuestionBanks } from './bank';
import type { SelfAssessmentDeps } from './selfAssessments';

/** A newly imported version becomes the one new self-assessments start on within this time everywhere. */
export const latestVersionCacheSeconds = 30;
const latestVersions = new ReadCache<string>(latestVersionCacheSeconds * 1000);

export function selfAssessmentDeps(p: Pick<Platform, 'store' | 'clock'>): SelfAssessmentDeps {
  const catalogue = questionBankCatalogue(questionBankDeps(p));
  const banks: QuestionBanks = {
    version: (version) => catalogue.version(version),
    latest: async () => {
      const version = await latestVersions.get(p.store, 'latest', async () => (await catalogue.latest()).version);
      const bank = await catalogue.version(version);
      if (!bank) throw new Error(`The latest question bank version ${version} could not be loaded.`);
      return bank;
    },
  };
  return { store: p.store, clock: p.clock, banks };
}
