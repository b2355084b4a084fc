// How an imported question bank version is stored: in the `questionBanks` container, in the partition of
// its version, as a manifest (the tool without its sections, which lists its parts), the parts (the
// sections, cut at subsection and question boundaries so that no document comes near Cosmos DB's 2 MB
// item limit, whatever the size of the version) and the audit event of the import. Pure: the cutting,
// the documents, and putting the tool back together.
import type { StoredDocument } from '../../ports/documentStore';
import type { Question, QuestionBank, Section, Subsection } from './model';
import type { StepCount } from './questionBank';

export const manifestDocId = 'manifest';

/** A part holds at most this much JSON (UTF-8): a third of Cosmos DB's item limit, half a transactional batch. */
export const defaultPartBytes = 768 * 1024;

export interface PartSubsection extends Omit<Subsection, 'questions'> {
  /** The subsection's index in its section; a subsection cut in two appears in two consecutive parts. */
  index: number;
  questions: Question[];
}

export interface PartSection extends Omit<Section, 'subsections'> {
  /** The section's index in the tool. */
  index: number;
  subsections: PartSubsection[];
}

export type QuestionBankHead = Omit<QuestionBank, 'sections'>;

export interface QuestionBankManifestDocument extends StoredDocument {
  id: typeof manifestDocId;
  type: 'questionBankManifest';
  version: string;
  toolId: string;
  head: QuestionBankHead;
  /** The ids of the parts, in order. */
  partIds: string[];
  questionCount: number;
  steps: StepCount[];
  importId: string;
  importedAt: string;
  importedBy: string;
  /** SHA-256 (hex) of the tool as stored, to recognise the same file later. */
  sha256: string;
}

export interface QuestionBankPartDocument extends StoredDocument {
  id: string;
  type: 'questionBankPart';
  version: string;
  importId: string;
  index: number;
  sections: PartSection[];
}

export interface QuestionBankAuditDocument extends StoredDocument {
  id: string;
  type: 'audit';
  version: string;
  at: string;
  actor: { userId: string; roles: string[] };
  action: 'questionBankImported';
  before: null;
  after: { version: string; questionCount: number; steps: StepCount[]; parts: number; sha256: string };
}

export const partDocId = (importId: string, index: number) => `part-${importId}-${index}`;

const encoder = new TextEncoder();

/** The size of a value as stored: its JSON in UTF-8. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/**
 * The tool's sections cut into parts of at most `maxBytes` of JSON each, in order, at subsection and, where
 * one subsection is too big, question boundaries. A single question larger than a part is refused
 * (the schema's text limits keep every question far smaller).
 */
export function splitIntoParts(tool: QuestionBank, maxBytes: number = defaultPartBytes): PartSection[][] {
  const parts: PartSection[][] = [];
  let current: PartSection[] = [];
  let size = 2;
  const close = () => {
    if (current.length > 0) parts.push(current);
    current = [];
    size = 2;
  };
  tool.sections.forEach((section, sectionIndex) => {
    const { subsections, ...sectionHead } = section;
    subsections.forEach((subsection, subsectionIndex) => {
      const { questions, ...subsectionHead } = subsection;
      for (const question of questions) {
        const questionBytes = jsonBytes(question) + 1;
        const lastSection = current.at(-1);
        const sameSection = lastSection?.index === sectionIndex;
        const lastSubsection = sameSection ? lastSection!.subsections.at(-1) : undefined;
        const sameSubsection = lastSubsection?.index === subsectionIndex;
        const headBytes =
          (sameSection ? 0 : jsonBytes({ ...sectionHead, index: sectionIndex, subsections: [] }) + 1) +
          (sameSubsection ? 0 : jsonBytes({ ...subsectionHead, index: subsectionIndex, questions: [] }) + 1);
        if (size + headBytes + questionBytes > maxBytes && current.length > 0) {
          close();
          current.push({ ...sectionHead, index: sectionIndex, subsections: [] });
          current.at(-1)!.subsections.push({ ...subsectionHead, index: subsectionIndex, questions: [] });
          size += jsonBytes(current);
        } else {
          if (!sameSection) current.push({ ...sectionHead, index: sectionIndex, subsections: [] });
          if (!sameSubsection)
            current.at(-1)!.subsections.push({ ...subsectionHead, index: subsectionIndex, questions: [] });
          size += headBytes;
        }
        if (size + questionBytes > maxBytes) {
          throw new Error(`Question ${question.id} alone is larger than a stored part (${maxBytes} bytes).`);
        }
        current.at(-1)!.subsections.at(-1)!.questions.push(question);
        size += questionBytes;
      }
    });
  });
  close();
  return parts;
}

/** The tool back from its head and its parts (in order). */
export function assembleQuestionBank(head: QuestionBankHead, parts: readonly PartSection[][]): QuestionBank {
  const sections: (Section & { index: number })[] = [];
  for (const part of parts) {
    for (const { index, subsections, ...sectionHead } of part) {
      let section = sections.at(-1);
      if (section?.index !== index) {
        section = { ...sectionHead, index, subsections: [] };
        sections.push(section);
      }
      for (const { index: subsectionIndex, questions, ...subsectionHead } of subsections) {
        const last = section.subsections.at(-1) as (Subsection & { index?: number }) | undefined;
        if (last?.index === subsectionIndex) last.questions.push(...questions);
        else
          section.subsections.push({
            ...subsectionHead,
            index: subsectionIndex,
            questions: [...questions],
          } as Subsection);
      }
    }
  }
  const strip = <T extends { index?: number }>({ index: _index, ...rest }: T): Omit<T, 'index'> => rest;
  return {
    ...head,
    sections: sections.map((section) => ({
      ...(strip(section) as Section),
      subsections: section.subsections.map((subsection) => strip(subsection as Subsection & { index?: number })),
    })),
  };
}
