// What Better Work's side of the cycle needs from the platform: the store, the clock, the question bank
// versions (the self-assessment's catalogue), the document files (released reports) and the portal's address
// (links in the release notification). Unit tests hand in a memory store, memory files and a fixed clock.
import type { Platform } from '../../composition';
import type { Clock } from '../../ports/clock';
import type { DocumentFiles } from '../../ports/documentFiles';
import type { DocumentStore } from '../../ports/documentStore';
import { selfAssessmentDeps } from '../selfAssessment/deps';
import type { QuestionBanks } from '../selfAssessment/bank';

export interface ComplianceDeps {
  store: DocumentStore;
  clock: Clock;
  banks: QuestionBanks;
  files: DocumentFiles;
  portalBaseUrl: string;
}

export function complianceDeps(p: Pick<Platform, 'store' | 'clock' | 'documentFiles' | 'settings'>): ComplianceDeps {
  return {
    store: p.store,
    clock: p.clock,
    banks: selfAssessmentDeps(p).banks,
    files: p.documentFiles,
    portalBaseUrl: p.settings.portalBaseUrl,
  };
}
