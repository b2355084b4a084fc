// The question bank versions: the shipped ones are built into the app (the JSON files under
// data/question-banks, bundled by esbuild into chunks of their own that load on first use), and an
// administrator imports new ones through the API into the `questionBanks` container. A version never
// changes once it exists, so a loaded version is kept for the life of the process.
import { createHash, randomUUID } from 'node:crypto';
import type { Platform } from '../../composition';
import type { Principal, Role } from '../../domain/access/roles';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../domain/errors';
import type { QuestionBank } from '../../domain/questionBank/model';
import { parseQuestionBank, stepCounts, allQuestions, type StepCount } from '../../domain/questionBank/questionBank';
import {
  assembleQuestionBank,
  defaultPartBytes,
  jsonBytes,
  manifestDocId,
  partDocId,
  splitIntoParts,
  type QuestionBankAuditDocument,
  type QuestionBankManifestDocument,
  type QuestionBankPartDocument,
} from '../../domain/questionBank/storage';
import { compareVersions, type Language } from '../../domain/questionBank/vocabulary';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, StoredDocument } from '../../ports/documentStore';

export interface QuestionBankDeps {
  store: DocumentStore;
  clock: Clock;
  /** The most JSON a stored part holds (tests make it small to exercise versions of many parts). */
  partBytes?: number;
}

/** Who reads the question bank: everyone who works with self-assessments; not brands (R21) nor the Gateway. */
export const questionBankReaders: readonly Role[] = [
  'FactoryManager',
  'RegistrationStaff',
  'EnterpriseAdvisor',
  'Assessor',
  'Admin',
];

export function questionBankDeps(p: Pick<Platform, 'store' | 'clock'>): QuestionBankDeps {
  return { store: p.store, clock: p.clock };
}

const container = 'questionBanks' as const;

/** What one transactional batch may carry in Cosmos DB: 100 operations and 2 MB; we stay well under. */
const maxBatchOperations = 100;
const maxBatchBytes = 1536 * 1024;

// ---------------------------------------------------------------------------------------------------
// The shipped versions
// ---------------------------------------------------------------------------------------------------

/** The versions built into the app; each file is a chunk of the bundle of its own, loaded when first needed. */
const shippedFiles: Record<string, () => Promise<unknown>> = {
  '1.4.0': async () => (await import('../../../data/question-banks/caf-1.4.0.json')).default,
  '1.5.0': async () => (await import('../../../data/question-banks/caf-1.5.0.json')).default,
};

export const shippedVersions: readonly string[] = Object.keys(shippedFiles).sort(compareVersions);

const shippedTools = new Map<string, Promise<QuestionBank>>();

async function loadShipped(version: string, load: () => Promise<unknown>): Promise<QuestionBank> {
  const parsed = parseQuestionBank(await load());
  if (!parsed.ok) {
    const first = parsed.problems
      .slice(0, 5)
      .map((p) => `${p.pointer}: ${p.detail}`)
      .join('; ');
    throw new Error(`The shipped question bank ${version} is not valid (${parsed.problems.length} problems): ${first}`);
  }
  return parsed.tool;
}

function shippedTool(version: string): Promise<QuestionBank> | undefined {
  const load = shippedFiles[version];
  if (!load) return undefined;
  let tool = shippedTools.get(version);
  if (!tool) {
    tool = loadShipped(version, load);
    tool.catch(() => shippedTools.delete(version));
    shippedTools.set(version, tool);
  }
  return tool;
}

// ---------------------------------------------------------------------------------------------------
// Loading a version
// ---------------------------------------------------------------------------------------------------

export interface LoadedQuestionBank {
  tool: QuestionBank;
  source: 'shipped' | 'imported';
  importedAt?: string;
  importedBy?: string;
}

/** Imported versions already read, per store (a version never changes, so they do not expire). */
const importedTools = new WeakMap<DocumentStore, Map<string, Promise<LoadedQuestionBank>>>();

async function readImported(store: DocumentStore, version: string): Promise<LoadedQuestionBank | undefined> {
  const docs: StoredDocument[] = [];
  let continuation: string | undefined;
  do {
    const page = await store.query<StoredDocument>(
      container,
      version,
      {
        query: 'SELECT * FROM c WHERE c.version = @pk AND (c.type = @manifest OR c.type = @part)',
        parameters: [
          { name: '@manifest', value: 'questionBankManifest' },
          { name: '@part', value: 'questionBankPart' },
        ],
      },
      { maxItems: 100, ...(continuation ? { continuation } : {}) }
    );
    docs.push(...page.items);
    continuation = page.continuation;
  } while (continuation);
  const manifest = docs.find((doc) => doc.id === manifestDocId) as QuestionBankManifestDocument | undefined;
  if (!manifest) return undefined;
  const parts = new Map(docs.map((doc) => [doc.id, doc]));
  const ordered = manifest.partIds.map((id) => {
    const part = parts.get(id) as QuestionBankPartDocument | undefined;
    if (!part) throw new Error(`The stored question bank ${version} lacks its part ${id}.`);
    return part.sections;
  });
  const parsed = parseQuestionBank(assembleQuestionBank(manifest.head, ordered));
  if (!parsed.ok) {
    throw new Error(`The stored question bank ${version} is not valid: ${parsed.problems[0]?.pointer ?? ''}`);
  }
  return { tool: parsed.tool, source: 'imported', importedAt: manifest.importedAt, importedBy: manifest.importedBy };
}

/** A version, shipped or imported, or 404. */
export async function loadQuestionBank(deps: QuestionBankDeps, version: string): Promise<LoadedQuestionBank> {
  const shipped = shippedTool(version);
  if (shipped) return { tool: await shipped, source: 'shipped' };
  let perStore = importedTools.get(deps.store);
  if (!perStore) importedTools.set(deps.store, (perStore = new Map()));
  let loading = perStore.get(version);
  if (!loading) {
    loading = readImported(deps.store, version).then((found) => {
      if (!found) throw new NotFoundError(`There is no question bank version ${version}.`);
      return found;
    });
    const cache = perStore;
    loading.catch(() => cache.delete(version)); // only versions that exist are kept
    perStore.set(version, loading);
  }
  return loading;
}

// ---------------------------------------------------------------------------------------------------
// Listing the versions
// ---------------------------------------------------------------------------------------------------

export interface QuestionBankSummary {
  toolId: string;
  version: string;
  title: string;
  publishedOn: string;
  languages: Language[];
  source: 'shipped' | 'imported';
  latest: boolean;
  questionCount: number;
  steps: StepCount[];
  importedAt?: string;
  importedBy?: string;
}

function summaryOf(loaded: LoadedQuestionBank): Omit<QuestionBankSummary, 'latest'> {
  const { tool } = loaded;
  return {
    toolId: tool.toolId,
    version: tool.version,
    title: tool.title.en,
    publishedOn: tool.publishedOn,
    languages: [...tool.languages],
    source: loaded.source,
    questionCount: allQuestions(tool).length,
    steps: stepCounts(tool),
    ...(loaded.importedAt ? { importedAt: loaded.importedAt } : {}),
    ...(loaded.importedBy ? { importedBy: loaded.importedBy } : {}),
  };
}

/** Every version, shipped and imported, oldest first; the highest is `latest`. One query across the (few) version partitions. */
export async function listQuestionBanks(deps: QuestionBankDeps): Promise<QuestionBankSummary[]> {
  const shipped = await Promise.all(
    shippedVersions.map(async (version) => summaryOf({ tool: await shippedTool(version)!, source: 'shipped' }))
  );
  const manifests = await deps.store.queryAcrossPartitions<QuestionBankManifestDocument>(container, {
    query: 'SELECT * FROM c WHERE c.type = @type',
    parameters: [{ name: '@type', value: 'questionBankManifest' }],
  });
  const imported = manifests.map((manifest): Omit<QuestionBankSummary, 'latest'> => ({
    toolId: manifest.toolId,
    version: manifest.version,
    title: manifest.head.title.en,
    publishedOn: manifest.head.publishedOn,
    languages: [...manifest.head.languages],
    source: 'imported',
    questionCount: manifest.questionCount,
    steps: manifest.steps,
    importedAt: manifest.importedAt,
    importedBy: manifest.importedBy,
  }));
  const all = [...shipped, ...imported.filter((m) => !shippedVersions.includes(m.version))].sort((a, b) =>
    compareVersions(a.version, b.version)
  );
  return all.map((summary, i) => ({ ...summary, latest: i === all.length - 1 }));
}

// ---------------------------------------------------------------------------------------------------
// The index of imported versions: one small document in its own partition, so that finding the latest
// version (every new self-assessment does) is one point read, not a query across the version partitions.
// ---------------------------------------------------------------------------------------------------

const indexPartition = 'index';
const indexDocId = 'imported-versions';

interface QuestionBankIndexDocument extends StoredDocument {
  id: typeof indexDocId;
  type: 'questionBankIndex';
  version: typeof indexPartition;
  versions: string[];
}

async function importedVersions(store: DocumentStore): Promise<string[]> {
  return (await store.read<QuestionBankIndexDocument>(container, indexPartition, indexDocId))?.doc.versions ?? [];
}

/** Records imported versions in the index (idempotent; retried when two imports race). */
async function ensureIndexed(store: DocumentStore, versions: readonly string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.read<QuestionBankIndexDocument>(container, indexPartition, indexDocId);
    const known = current?.doc.versions ?? [];
    const missing = versions.filter((v) => !known.includes(v));
    if (missing.length === 0) return;
    const doc: QuestionBankIndexDocument = {
      id: indexDocId,
      type: 'questionBankIndex',
      version: indexPartition,
      versions: [...known, ...missing].sort(compareVersions),
    };
    try {
      await store.write(container, indexPartition, [
        current ? { kind: 'replace', doc, ifMatch: current.etag } : { kind: 'create', doc },
      ]);
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError || error instanceof ConflictError) || attempt >= 5) throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Importing a version
// ---------------------------------------------------------------------------------------------------

const alreadyExists = (version: string, detail: string) =>
  new ConflictError(
    `Question bank version ${version} already exists (${detail}); a version never changes: import the file under a new version number.`
  );

/** Splits documents into batches within Cosmos DB's limits, in order. */
function batchesOf<T extends StoredDocument>(docs: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const doc of docs) {
    const size = jsonBytes(doc);
    if (current.length > 0 && (current.length >= maxBatchOperations || bytes + size > maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(doc);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Admin imports a new version of the question bank. The file is validated first (400 with every problem,
 * nothing written); a version that is shipped or already imported is a 409 (nothing written). It is stored
 * in its version's partition as a manifest, its parts and the audit event. When everything fits in one
 * transactional batch (a few hundred questions do) it is written at once; a larger version writes its parts
 * first and the manifest last, so it becomes visible only when complete (parts of an import that fails
 * are removed again, and readers follow the manifest's list of parts only).
 */
export async function importQuestionBank(
  deps: QuestionBankDeps,
  principal: Principal,
  json: unknown
): Promise<QuestionBankSummary> {
  if (!principal.roles.includes('Admin')) {
    throw new ForbiddenError('Only Better Work administrators import question bank versions.');
  }
  const parsed = parseQuestionBank(json);
  if (!parsed.ok) {
    throw new ValidationError(
      `The question bank is not valid: ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}; nothing was imported.`,
      parsed.problems
    );
  }
  const tool = parsed.tool;
  const { version } = tool;
  if (shippedFiles[version]) throw alreadyExists(version, 'it is built into the platform');
  const existing = await deps.store.read<QuestionBankManifestDocument>(container, version, manifestDocId);
  if (existing) {
    // An import that stopped between its manifest and the index is completed by importing it again.
    await ensureIndexed(deps.store, [version]);
    throw alreadyExists(version, `imported on ${existing.doc.importedAt}`);
  }

  const importId = randomUUID();
  const at = deps.clock.now().toISOString();
  const sections = splitIntoParts(tool, deps.partBytes ?? defaultPartBytes);
  const parts: QuestionBankPartDocument[] = sections.map((partSections, index) => ({
    id: partDocId(importId, index),
    type: 'questionBankPart',
    version,
    importId,
    index,
    sections: partSections,
  }));
  const { sections: _sections, ...head } = tool;
  const sha256 = createHash('sha256').update(JSON.stringify(tool)).digest('hex');
  const steps = stepCounts(tool);
  const questionCount = allQuestions(tool).length;
  const manifest: QuestionBankManifestDocument = {
    id: manifestDocId,
    type: 'questionBankManifest',
    version,
    toolId: tool.toolId,
    head,
    partIds: parts.map((part) => part.id),
    questionCount,
    steps,
    importId,
    importedAt: at,
    importedBy: principal.userId,
    sha256,
  };
  const audit: QuestionBankAuditDocument = {
    id: `audit-${randomUUID()}`,
    type: 'audit',
    version,
    at,
    actor: { userId: principal.userId, roles: [...principal.roles] },
    action: 'questionBankImported',
    before: null,
    after: { version, questionCount, steps, parts: parts.length, sha256 },
  };

  const create = (doc: StoredDocument) => ({ kind: 'create' as const, doc });
  try {
    const batches = batchesOf<StoredDocument>([manifest, audit, ...parts]);
    if (batches.length === 1) {
      // The manifest first: if another import of the same version won the race, nothing else is attempted.
      await deps.store.write(container, version, batches[0]!.map(create));
    } else {
      try {
        for (const batch of batchesOf(parts)) await deps.store.write(container, version, batch.map(create));
        await deps.store.write(container, version, [create(manifest), create(audit)]);
      } catch (error) {
        await removeParts(deps.store, version, parts);
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof ConflictError) throw alreadyExists(version, 'imported at the same time by someone else');
    throw error;
  }
  await ensureIndexed(deps.store, [version]);
  importedTools.get(deps.store)?.delete(version);
  const versions = await listQuestionBanks(deps).catch(() => []);
  return {
    ...summaryOf({ tool, source: 'imported', importedAt: at, importedBy: principal.userId }),
    latest: versions.at(-1)?.version === version,
  };
}

/** Best effort: the parts of an import that did not complete (those never written answer 404, ignored). */
async function removeParts(store: DocumentStore, version: string, parts: readonly QuestionBankPartDocument[]) {
  for (const part of parts) {
    await store.write(container, version, [{ kind: 'delete', id: part.id, ifMatch: undefined }]).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------
// For other use cases (the self-assessment)
// ---------------------------------------------------------------------------------------------------

/** The versions as other use cases need them: the latest (a new self-assessment starts on it) and one by number. */
export interface QuestionBankCatalogue {
  latest(): Promise<QuestionBank>;
  /** Undefined when there is no such version. */
  version(version: string): Promise<QuestionBank | undefined>;
}

export function questionBankCatalogue(deps: QuestionBankDeps): QuestionBankCatalogue {
  return {
    latest: async () => {
      const versions = [...shippedVersions, ...(await importedVersions(deps.store))].sort(compareVersions);
      return (await loadQuestionBank(deps, versions.at(-1)!)).tool;
    },
    version: async (version) => {
      try {
        return (await loadQuestionBank(deps, version)).tool;
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    },
  };
}
