// R17: what a cycle transmits to the Gateway, built from the submitted self-assessment and the completed,
// released compliance assessment, and checked against the Gateway contract (shared/schemas/gateway.ts,
// GatewayDataSubmission) before anything is queued:
// - Step 1: each question the factory answered (and that applies) or Better Work assessed, the self-assessed
//   answer side by side with Better Work's finding. A Facility Profile question is self-reported and never
//   assessed; after a Virtual Compliance Check a question outside its scope is marked neither assessed nor
//   verified (R17, R15);
// - Steps 2 and 3: each answered question as "enhanced self-assessment", self-assessed and not assessed;
// - the Gateway Facility ID, the tool version, the cycle, the assessment and the released report's reference.
// Deterministic: the same facts make the same bytes (so a rebuilt payload has the same hash). Pure.
import type { ComplianceAssessmentDocument } from '../compliance/assessment';
import type { CycleEntry, FactoryDocument } from '../factory/factory';
import type { SelfAssessmentDocument } from '../selfAssessment/selfAssessment';
import type { AnswerValue, Step } from '../selfAssessment/plan';
import {
  betterWorkVerifier,
  dataSubmissionSchema,
  type DataSubmission,
  type EnhancedEntry,
  type Step1Entry,
} from '../../schemas/gateway';

/** A question of the self-assessment's tool version and Step, as the payload needs it, in the tool's order. */
export interface PayloadQuestion {
  id: string;
  /** The section code (FP, RH, ...). */
  section: string;
  /** The Step it enters at. */
  step: Step;
  /** Whether it applies given the submitted answers (a conditional question may not). */
  applies: boolean;
}

/** A compliance question of the assessment's tool version (R15). */
export interface PayloadComplianceQuestion {
  cluster: string;
  point: string;
  vccScope: boolean;
}

export interface PayloadSources {
  transmissionId: string;
  callbackUrl: string;
  factory: Pick<FactoryDocument, 'factoryId' | 'countryCode' | 'gateway'>;
  cycle: CycleEntry;
  selfAssessment: SelfAssessmentDocument;
  questions: readonly PayloadQuestion[];
  answers: ReadonlyMap<string, { value: AnswerValue; comment: string | undefined }>;
  assessment: ComplianceAssessmentDocument;
  /** The compliance questions of the assessment's tool version, by question id. */
  compliance: ReadonlyMap<string, PayloadComplianceQuestion>;
}

export type BuiltPayload =
  { ok: true; payload: DataSubmission; json: string; bytes: number } | { ok: false; problems: string[] };

const sectionOf = (questionId: string) => questionId.split('-')[0] ?? questionId;

function inScope(question: PayloadComplianceQuestion, method: 'visit' | 'vcc'): boolean {
  return method === 'visit' || question.vccScope;
}

/** The payload of a cycle (R17), or every reason it cannot be sent. Nothing invalid ever leaves. */
export function buildSubmissionPayload(sources: PayloadSources): BuiltPayload {
  const { factory, cycle, selfAssessment, assessment } = sources;
  const problems: string[] = [];
  if (selfAssessment.status !== 'submitted' || !selfAssessment.submittedAt) {
    problems.push(`the self-assessment ${selfAssessment.selfAssessmentId} is not submitted (R13)`);
  }
  if (assessment.status !== 'completed' || !assessment.completedAt) {
    problems.push(`the compliance assessment ${assessment.assessmentId} is not completed (R15)`);
  }
  if (!cycle.report) problems.push(`the report of cycle ${cycle.cycleId} is not released (R16)`);
  if (factory.gateway.status !== 'connected' || !factory.gateway.gatewayFacilityId) {
    problems.push('the factory is not connected to the SLCP Gateway: it has no Gateway Facility ID (R9)');
  }
  if (selfAssessment.cycleId !== cycle.cycleId || assessment.cycleId !== cycle.cycleId) {
    problems.push(`the self-assessment and the assessment must both be of cycle ${cycle.cycleId}`);
  }

  const step1: Step1Entry[] = [];
  const enhanced: EnhancedEntry[] = [];
  const answered = (id: string) => {
    const answer = sources.answers.get(id);
    return answer === undefined ? null : { answer: answer.value, comment: answer.comment ?? null };
  };
  const covered = new Set<string>();
  for (const question of sources.questions) {
    if (question.step > selfAssessment.step) continue;
    covered.add(question.id);
    const self = question.applies ? answered(question.id) : null;
    if (question.step !== 1) {
      if (self) {
        enhanced.push({
          questionId: question.id,
          section: question.section,
          step: question.step,
          selfAssessment: self,
          verification: 'selfAssessed',
        });
      }
      continue;
    }
    const compliance = sources.compliance.get(question.id);
    if (!compliance) {
      if (self) {
        step1.push({
          questionId: question.id,
          section: question.section,
          selfAssessment: self,
          verification: 'facilityProfile',
          betterWork: null,
        });
      }
      continue;
    }
    if (inScope(compliance, assessment.method)) {
      const finding = assessment.findings[question.id];
      if (!finding) {
        problems.push(`question ${question.id} is in the assessment's scope but has no finding`);
        continue;
      }
      step1.push({
        questionId: question.id,
        section: question.section,
        selfAssessment: self,
        verification: 'assessedByBetterWork',
        betterWork: {
          result: finding.result,
          notes: finding.notes ?? null,
          cluster: compliance.cluster,
          point: compliance.point,
        },
      });
    } else if (self) {
      step1.push({
        questionId: question.id,
        section: question.section,
        selfAssessment: self,
        verification: 'neitherAssessedNorVerified',
        betterWork: null,
      });
    }
  }
  // Findings on questions the self-assessment's version does not have (the assessment was made on another
  // version): Better Work's findings still go, with no self-assessed answer beside them.
  for (const [questionId, finding] of Object.entries(assessment.findings)) {
    if (covered.has(questionId)) continue;
    const compliance = sources.compliance.get(questionId);
    if (!compliance || !inScope(compliance, assessment.method)) continue;
    step1.push({
      questionId,
      section: sectionOf(questionId),
      selfAssessment: null,
      verification: 'assessedByBetterWork',
      betterWork: {
        result: finding.result,
        notes: finding.notes ?? null,
        cluster: compliance.cluster,
        point: compliance.point,
      },
    });
  }
  if (problems.length > 0) return { ok: false, problems };

  const count = (verification: Step1Entry['verification']) =>
    step1.filter((e) => e.verification === verification).length;
  const candidate = {
    schemaVersion: '1',
    transmissionId: sources.transmissionId,
    gatewayFacilityId: factory.gateway.gatewayFacilityId!,
    verifier: betterWorkVerifier,
    facility: { factoryId: factory.factoryId, country: factory.countryCode },
    cycle: { cycleId: cycle.cycleId, startsOn: cycle.startsOn, endsOn: cycle.endsOn },
    tool: { toolId: 'caf', version: selfAssessment.toolVersion },
    selfAssessment: {
      selfAssessmentId: selfAssessment.selfAssessmentId,
      step: selfAssessment.step,
      submittedAt: selfAssessment.submittedAt!,
    },
    assessment: {
      assessmentId: assessment.assessmentId,
      method: assessment.method,
      toolVersion: assessment.toolVersion,
      firstDay: assessment.firstDay,
      lastDay: assessment.lastDay,
      completedAt: assessment.completedAt!,
    },
    report: { reportId: cycle.report!.reportId, releasedAt: cycle.report!.releasedAt },
    callbackUrl: sources.callbackUrl,
    step1,
    enhanced,
    summary: {
      step1: step1.length,
      assessedByBetterWork: count('assessedByBetterWork'),
      facilityProfile: count('facilityProfile'),
      neitherAssessedNorVerified: count('neitherAssessedNorVerified'),
      enhanced: enhanced.length,
    },
  };
  return checkSubmissionPayload(candidate);
}

/** Validates a payload against the Gateway contract; the JSON text (what is sent, byte for byte) and its size. */
export function checkSubmissionPayload(candidate: unknown): BuiltPayload {
  const parsed = dataSubmissionSchema.safeParse(candidate);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.slice(0, 50).map((i) => `/${i.path.map(String).join('/')}: ${i.message}`),
    };
  }
  const json = JSON.stringify(parsed.data);
  return {
    ok: true,
    payload: parsed.data,
    json,
    bytes: new TextEncoder().encode(json).length,
  };
}
