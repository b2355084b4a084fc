// OWASP API1 (object level), API3 (object property level: R21) and API5 (function level) authorization,
// as a matrix over the whole API: every operation of the OpenAPI document × every role (and the Gateway
// holding a bearer token, and no token at all) × the objects they may or may not reach, against the real
// function registrations on the local host, a real local Cosmos server seeded with the demo data, and real
// ES256 tokens. The expectations are written out by hand from shared/domain/access/policy.ts (and the
// role list of each endpoint): computing them with the policy would prove nothing. No cell expects 400:
// every request carries a valid body (fixtures below), so a validation error cannot pass for a refusal.
// Order: the reads (8 at a time), then the refused writes one at a time between two fingerprints of the
// whole database, then the allowed writes one at a time in the table's order, each on what the previous
// ones left (the expectations of the allowed writes say what they find then).
import type { NotificationDocument } from '../../shared/domain/notifications/notification';
import type { FactoryDocument } from '../../shared/domain/factory/factory';
import { invitationDocId, type InvitationDocument } from '../../shared/domain/factory/invitation';
import { demoInvitationToken, seedDemoData } from '../../local/seed/seedDemoData';
import { findDemoUser } from '../../local/seed/demoUsers';
import { apiCalls, type Answer as Outcome } from '../support/apiCalls';
import caf150 from '../../data/question-banks/caf-1.5.0.json';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';
import { seedSelfAssessment } from '../support/selfAssessmentFixtures';
import { complianceDepsOf, seedAssessedCycle } from '../support/complianceFixtures';
import { itemEtag, type ImprovementPlanDocument } from '../../shared/domain/compliance/improvementPlan';
import { seedDeadLetteredTransmission } from '../support/transmissionFixtures';

jest.setTimeout(120_000);

// ---------------------------------------------------------------------------------------------------
// Callers and their targets
// ---------------------------------------------------------------------------------------------------

const callers = [
  'FactoryManager',
  'RegistrationStaff',
  'EnterpriseAdvisor',
  'Assessor',
  'Admin',
  'Brand',
  'Gateway',
  'none',
] as const;
type Caller = (typeof callers)[number];

/** The demo user each caller is (local/seed/demoUsers.ts); `none` sends no Authorization header. */
const callerUser: Record<Caller, string | undefined> = {
  FactoryManager: 'fm-bd-1', // manages BD-DEMO0001
  RegistrationStaff: 'registration-bd', // country programme BD
  EnterpriseAdvisor: 'advisor-bd', // advises the registered BD demo factories (BD-DEMO0001, BD-DEMO0002)
  Assessor: 'assessor-bd', // country programme BD
  Admin: 'admin',
  Brand: 'brand-1', // subscribes to BD-DEMO0001 (and ID-DEMO0001, VN-DEMO0001)
  Gateway: 'gateway', // the SLCP Gateway's machine identity presenting a bearer token
  none: undefined,
};

/** What the targets of each kind of route are; a row of the table gives one expectation per target. */
const scopes = {
  factory: ['own', 'sameCountry', 'otherCountry'],
  country: ['ownCountry', 'otherCountry'],
  caller: ['own'],
  notification: ['own', 'otherUser'],
} as const;
type Scope = keyof typeof scopes;

type FactoryTarget = (typeof scopes.factory)[number];
/**
 * The factory behind each target, per caller. "own" is the factory the caller is bound to (managed,
 * in their country programme, advised, subscribed; any for Admin); "sameCountry" another factory in
 * Bangladesh (for the advisor one he does not advise; for the brand one another brand subscribes to);
 * "otherCountry" one in Vietnam (for the brand one it does not subscribe to: brand-1 subscribes to
 * VN-DEMO0001).
 */
const factoryOf: Record<Caller, Record<FactoryTarget, string>> = {
  FactoryManager: { own: 'BD-DEMO0001', sameCountry: 'BD-DEMO0002', otherCountry: 'VN-DEMO0001' },
  RegistrationStaff: { own: 'BD-DEMO0001', sameCountry: 'BD-DEMO0002', otherCountry: 'VN-DEMO0001' },
  EnterpriseAdvisor: { own: 'BD-DEMO0001', sameCountry: 'BD-DEMO0003', otherCountry: 'VN-DEMO0001' },
  Assessor: { own: 'BD-DEMO0001', sameCountry: 'BD-DEMO0002', otherCountry: 'VN-DEMO0001' },
  Admin: { own: 'BD-DEMO0001', sameCountry: 'BD-DEMO0002', otherCountry: 'VN-DEMO0001' },
  Brand: { own: 'BD-DEMO0001', sameCountry: 'BD-DEMO0002', otherCountry: 'VN-DEMO0002' },
  Gateway: { own: 'BD-DEMO0001', sameCountry: 'BD-DEMO0002', otherCountry: 'VN-DEMO0001' },
  none: { own: 'BD-DEMO0001', sameCountry: 'BD-DEMO0002', otherCountry: 'VN-DEMO0001' },
};
const countryOf: Record<(typeof scopes.country)[number], string> = { ownCountry: 'BD', otherCountry: 'VN' };
/** Each demo user gets one notification, seeded below; "otherUser" is the one of registration-vn. */
const notificationIdOf = (userKey: string) => `matrix-${userKey}`;
const otherUsersNotification = notificationIdOf('registration-vn');

// ---------------------------------------------------------------------------------------------------
// The expectation table (declared once): per operationId, per caller, one answer per target of the scope.
// 401 no valid token; 403 the role may not call the endpoint (API5) or may see the object but not do this;
// 404 the caller has no relation to the object (API1: its existence is not revealed); anything else is an
// "ok" answer: the success status, or the business 4xx named here.
// ---------------------------------------------------------------------------------------------------

type Refusal = 401 | 403 | 404;
type Answer = 200 | 201 | 202 | 409 | 422 | 503;
type Expected = Refusal | Answer;
type Row = { scope: Scope } & Record<Caller, readonly Expected[]>;

const table: Record<string, Row> = {
  listCountryProgrammes: {
    scope: 'caller',
    FactoryManager: [200],
    RegistrationStaff: [200],
    EnterpriseAdvisor: [200],
    Assessor: [200],
    Admin: [200],
    Brand: [200],
    Gateway: [200], // `roles` (every app role): country programmes are public facts
    none: [401],
  },
  setCountryLaunch: {
    scope: 'country',
    FactoryManager: [403, 403],
    RegistrationStaff: [403, 403],
    EnterpriseAdvisor: [403, 403],
    Assessor: [403, 403],
    Admin: [200, 200],
    Brand: [403, 403],
    Gateway: [403, 403],
    none: [401, 401],
  },
  listFactories: {
    scope: 'country', // mayActInCountry(RegistrationStaff, Assessor): their own programme only
    FactoryManager: [403, 403],
    RegistrationStaff: [200, 403],
    EnterpriseAdvisor: [403, 403],
    Assessor: [200, 403],
    Admin: [200, 200],
    Brand: [403, 403],
    Gateway: [403, 403],
    none: [401, 401],
  },
  registerFactory: {
    scope: 'country', // mayActInCountry(RegistrationStaff)
    FactoryManager: [403, 403],
    RegistrationStaff: [201, 403],
    EnterpriseAdvisor: [403, 403],
    Assessor: [403, 403],
    Admin: [201, 201],
    Brand: [403, 403],
    Gateway: [403, 403],
    none: [401, 401],
  },
  getFactory: {
    scope: 'factory', // action read
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [200, 404, 404],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  getProfile: {
    scope: 'factory', // action read
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [200, 404, 404],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  editProfile: {
    scope: 'factory', // roles FactoryManager, Admin; action editProfile
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  signTerms: {
    scope: 'factory', // role FactoryManager; action signTerms
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [403, 403, 403],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  registerCycle: {
    scope: 'factory', // roles RegistrationStaff, Admin; action registerCycle
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [201, 201, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [201, 201, 201],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  sendInvitation: {
    scope: 'factory', // roles RegistrationStaff, Admin; action invite
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [201, 201, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [201, 201, 201],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  listAuditEvents: {
    scope: 'factory', // roles RegistrationStaff, Admin; action readAudit
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  exportPersonalData: {
    scope: 'caller', // roles Admin; {userId} is the same person for every caller (erasedUser below)
    FactoryManager: [403],
    RegistrationStaff: [403],
    EnterpriseAdvisor: [403],
    Assessor: [403],
    Admin: [200],
    Brand: [403],
    Gateway: [403],
    none: [401],
  },
  erasePersonalData: {
    scope: 'caller', // roles Admin; erases erasedUser, whom no other cell calls as or targets (202: closed, erasing)
    FactoryManager: [403],
    RegistrationStaff: [403],
    EnterpriseAdvisor: [403],
    Assessor: [403],
    Admin: [202],
    Brand: [403],
    Gateway: [403],
    none: [401],
  },
  getSlcpStatus: {
    scope: 'factory', // every role but Brand and Gateway; action readSlcp (R21)
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  requestSlcpSharing: {
    scope: 'factory', // role FactoryManager; action requestSharing
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [403, 403, 403],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  recordSlcpOptOut: {
    scope: 'factory', // roles RegistrationStaff, Admin; action optOut
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  connectGateway: {
    scope: 'factory', // role FactoryManager; action connectGateway (runs before linkGateway connects BD-DEMO0001)
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [403, 403, 403],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  linkGateway: {
    scope: 'factory', // roles RegistrationStaff, Admin; action linkGateway (Admin re-links the same ID: no change, 200)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  gatewayCallbacks: {
    scope: 'caller', // signed by the Gateway's shared secret: a bearer token of any role is no signature
    FactoryManager: [401],
    RegistrationStaff: [401],
    EnterpriseAdvisor: [401],
    Assessor: [401],
    Admin: [401],
    Brand: [401],
    Gateway: [401],
    none: [401],
  },
  getAssessorBody: {
    scope: 'factory', // every role but Gateway; action read
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [200, 404, 404],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  subscribeBrand: {
    scope: 'factory', // roles RegistrationStaff, Admin; action manageSubscriptions
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  unsubscribeBrand: {
    scope: 'factory', // roles RegistrationStaff, Admin; action manageSubscriptions
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  getDashboard: {
    scope: 'factory', // every role but Gateway; action read (the SLCP part only with readSlcp)
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [200, 404, 404],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  listNotifications: {
    scope: 'caller', // the caller's own partition only
    FactoryManager: [200],
    RegistrationStaff: [200],
    EnterpriseAdvisor: [200],
    Assessor: [200],
    Admin: [200],
    Brand: [200],
    Gateway: [200],
    none: [401],
  },
  countUnreadNotifications: {
    scope: 'caller',
    FactoryManager: [200],
    RegistrationStaff: [200],
    EnterpriseAdvisor: [200],
    Assessor: [200],
    Admin: [200],
    Brand: [200],
    Gateway: [200],
    none: [401],
  },
  listQuestionBanks: {
    scope: 'caller', // questionBankReaders: everyone who works with self-assessments, not brands (R21) nor the Gateway
    FactoryManager: [200],
    RegistrationStaff: [200],
    EnterpriseAdvisor: [200],
    Assessor: [200],
    Admin: [200],
    Brand: [403],
    Gateway: [403],
    none: [401],
  },
  getQuestionBank: {
    scope: 'caller', // {version} is a shipped version, the same for every caller
    FactoryManager: [200],
    RegistrationStaff: [200],
    EnterpriseAdvisor: [200],
    Assessor: [200],
    Admin: [200],
    Brand: [403],
    Gateway: [403],
    none: [401],
  },
  importQuestionBank: {
    scope: 'caller', // Admin only; the fixture is a new version number, so Admin's import is created
    FactoryManager: [403],
    RegistrationStaff: [403],
    EnterpriseAdvisor: [403],
    Assessor: [403],
    Admin: [201],
    Brand: [403],
    Gateway: [403],
    none: [401],
  },
  markNotificationRead: {
    scope: 'notification', // someone else's notification is not found, whoever asks (Admin too)
    FactoryManager: [200, 404],
    RegistrationStaff: [200, 404],
    EnterpriseAdvisor: [200, 404],
    Assessor: [200, 404],
    Admin: [200, 404],
    Brand: [200, 404],
    Gateway: [200, 404],
    none: [401, 401],
  },
  acceptInvitation: {
    // Role FactoryManager; the token is BD-DEMO0003's seeded invitation, sent to manager@factory-bd-3.example.com.
    // R7: only the invited account may accept it, so fm-bd-1 (another address) is refused and nothing is
    // written; the invited account accepting it is the test after the matrix.
    scope: 'caller',
    FactoryManager: [403],
    RegistrationStaff: [403],
    EnterpriseAdvisor: [403],
    Assessor: [403],
    Admin: [403],
    Brand: [403],
    Gateway: [403],
    none: [401],
  },
  // self-assessment: answering (R11-R13). A {selfAssessmentId} is the target factory's first cycle's (seeded
  // for BD-DEMO0001, BD-DEMO0002 and VN-DEMO0001); the factory decides, as for factory routes.
  activateCycle: {
    scope: 'factory', // roles RegistrationStaff, Admin; action registerCycle; idempotent (already active: 200)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  startSelfAssessment: {
    scope: 'factory', // role FactoryManager; action answerSelfAssessment (one per cycle: the seeded one makes it 409)
    FactoryManager: [409, 404, 404],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [403, 403, 403],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  getSelfAssessment: {
    scope: 'factory', // every role but Gateway; action readSelfAssessment (never brands: 403 when subscribed)
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [403, 404, 404],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  getSelfAssessmentQuestion: {
    scope: 'factory', // every role but Gateway; action readSelfAssessment
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [403, 404, 404],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  answerSelfAssessmentQuestion: {
    scope: 'factory', // role FactoryManager; action answerSelfAssessment
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [403, 403, 403],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  clearSelfAssessmentAnswer: {
    scope: 'factory', // role FactoryManager; action answerSelfAssessment (clears the answer the row above gave)
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [403, 403, 403],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  submitSelfAssessment: {
    scope: 'factory', // role FactoryManager; action answerSelfAssessment (R13: nothing answered yet, 422)
    FactoryManager: [422, 404, 404],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [403, 403, 403],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  // Better Work's side of the cycle (R15, R16, R21, R25). {cycleId} is the target factory's first cycle: for
  // BD-DEMO0001, BD-DEMO0002 and VN-DEMO0001 it is assessed, completed and its report released (seeded below).
  createComplianceAssessment: {
    scope: 'factory', // roles Assessor, Admin; action assess (one per cycle: the seeded one makes it 409)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [409, 409, 404],
    Admin: [409, 409, 409],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  getComplianceAssessment: {
    scope: 'factory', // roles RegistrationStaff, EnterpriseAdvisor, Assessor, Admin; action readAssessment
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  recordAssessmentFinding: {
    scope: 'factory', // roles Assessor, Admin; action assess (completed: its findings are final, 409)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [409, 409, 404],
    Admin: [409, 409, 409],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  recordAssessmentFindings: {
    scope: 'factory', // roles Assessor, Admin; action assess (completed: 409)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [409, 409, 404],
    Admin: [409, 409, 409],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  completeComplianceAssessment: {
    scope: 'factory', // roles Assessor, Admin; action assess (already completed: 200, no change)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  releaseAssessmentReport: {
    scope: 'factory', // roles RegistrationStaff, Assessor, Admin; action releaseReport (released: 200, no change)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  getAssessmentReport: {
    scope: 'factory', // every role but Gateway; action readReports (R21: brands read it, without any SLCP field)
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [200, 404, 404],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  getAssessmentReportPage: {
    scope: 'factory', // every role but Gateway; action readReports (R21: brands read it, without any SLCP field)
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [200, 404, 404],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  listAssessmentReports: {
    scope: 'factory', // every role but Gateway; action readReports (R21: brands read it, without any SLCP field)
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [200, 404, 404],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  getImprovementPlan: {
    scope: 'factory', // roles FactoryManager, RegistrationStaff, EnterpriseAdvisor, Assessor, Admin; action readImprovementPlan
    FactoryManager: [200, 404, 404],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  addImprovementItem: {
    scope: 'factory', // roles EnterpriseAdvisor, Admin; action manageImprovementPlan
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [201, 404, 404],
    Assessor: [403, 403, 403],
    Admin: [201, 201, 201],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  updateImprovementItem: {
    scope: 'factory', // roles EnterpriseAdvisor, Admin; action manageImprovementPlan (If-Match: the item's ETag)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [403, 403, 403],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  // the per-cycle timeline: staff read a cycle's timeline ({cycleId} is the target factory's first cycle)
  getCycleTimeline: {
    scope: 'factory', // roles RegistrationStaff, EnterpriseAdvisor, Assessor, Admin; action readSlcp (never brands: R21)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [200, 404, 404],
    Assessor: [200, 200, 404],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  // the transmission to the Gateway (R17-R19): {cycleId} is the target factory's first cycle, whose transmission
  // the matrix seeds dead-lettered
  gatewaySubmissionCallbacks: {
    scope: 'caller', // signed by the Gateway's shared secret: a bearer token of any role is no signature
    FactoryManager: [401],
    RegistrationStaff: [401],
    EnterpriseAdvisor: [401],
    Assessor: [401],
    Admin: [401],
    Brand: [401],
    Gateway: [401],
    none: [401],
  },
  requestMidCycleSharing: {
    // role FactoryManager; action requestSharing. The demo factory is linked to a Gateway ID by then (linkGateway
    // above), so R19 asks the Gateway whether Better Work is its verifier: the harness has none, hence 503.
    scope: 'factory',
    FactoryManager: [503, 404, 404],
    RegistrationStaff: [403, 403, 403],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [403, 403, 403],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  listTransmissions: {
    scope: 'country', // roles RegistrationStaff, Admin; mayActInCountry(RegistrationStaff): their own programme only
    FactoryManager: [403, 403],
    RegistrationStaff: [200, 403],
    EnterpriseAdvisor: [403, 403],
    Assessor: [403, 403],
    Admin: [200, 200],
    Brand: [403, 403],
    Gateway: [403, 403],
    none: [401, 401],
  },
  getTransmission: {
    scope: 'factory', // roles RegistrationStaff, Admin; action readTransmissions
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [200, 200, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
  replayTransmission: {
    scope: 'factory', // roles RegistrationStaff, Admin; action replayTransmission; Admin finds the BD ones replayed (409)
    FactoryManager: [403, 403, 403],
    RegistrationStaff: [200, 200, 404],
    EnterpriseAdvisor: [403, 403, 403],
    Assessor: [403, 403, 403],
    Admin: [409, 409, 200],
    Brand: [403, 403, 403],
    Gateway: [403, 403, 403],
    none: [401, 401, 401],
  },
};

// ---------------------------------------------------------------------------------------------------
// Request fixtures: path parameters beyond the target, a minimal valid body, If-Match
// ---------------------------------------------------------------------------------------------------

interface CellContext {
  caller: Caller;
  factoryId: string | undefined;
  countryCode: string | undefined;
}

interface Fixture {
  body?: (cell: CellContext) => unknown;
  /** The `{brandId}` of the path. */
  brandId?: string;
  /** Send the target factory's current ETag as If-Match (editProfile requires one). */
  ifMatch?: boolean;
  /** The endpoint reads a body the document does not describe (the Gateway's signed raw body). */
  undocumentedBody?: true;
  /** The `{questionId}` of the path (self-assessment questions). */
  questionId?: string;
  /** The `{itemId}` of the path (improvement-plan items). */
  itemId?: string;
  /** An If-Match to send, read when the cell runs (an improvement item's current ETag). */
  ifMatchOf?: (cell: CellContext) => Promise<string | undefined>;
}

/**
 * The `{userId}` of the personal-data routes: fm-id-1 (manages ID-DEMO0001), whom no cell calls as and whose
 * factory no cell targets, so Admin's erasure (an allowed write, run late) changes nothing another cell needs.
 */
const erasedUser = findDemoUser('fm-id-1')!.userId;
/** The pending demo factory whose seeded link the matrix presents (local/seed/seedDemoData.ts). */
const invitedFactory = 'BD-DEMO0003';
const dayMs = 86_400_000;
/** A day on the project clock, `YYYY-MM-DD`. */
const dayFromNow = (days: number) => new Date(api.clock.now().getTime() + days * dayMs).toISOString().slice(0, 10);
/** The launch dates the demo programmes have (shared/domain/countryProgrammes.ts). */
const launchDateOf: Record<string, string> = { BD: '2021-05-31', VN: '2021-06-30' };
/** A Gateway Facility ID per factory, so linking it twice (staff, then Admin) changes nothing the second time. */
const gatewayIdOf = (factoryId: string) => `GW-${factoryId.slice(0, 2)}${factoryId.slice(-6)}`;

const fixtures: Record<string, Fixture> = {
  importQuestionBank: { body: () => ({ ...caf150, version: '9.0.0' }) }, // the shipped file under a new number
  setCountryLaunch: {
    // The launch date the programme already has: allowed, and nothing changes for the rest of the run.
    body: ({ countryCode }) => ({ launchDate: launchDateOf[countryCode!] }),
  },
  registerFactory: {
    body: () => ({
      name: 'Matrix Test Garments Ltd.',
      address: 'Plot 1, Test Road',
      managerEmail: 'manager@matrix-test.example.com',
      cycle: { startsOn: dayFromNow(0), endsOn: dayFromNow(364) },
    }),
  },
  editProfile: { ifMatch: true, body: () => ({ contactPersonTitle: 'Managing Director' }) },
  signTerms: { body: () => ({ accept: true }) },
  registerCycle: {
    // After the seeded cycle (it ends in 275 days); Admin's after the one staff registered first.
    body: ({ caller }) =>
      caller === 'Admin'
        ? { startsOn: dayFromNow(700), endsOn: dayFromNow(1000) }
        : { startsOn: dayFromNow(300), endsOn: dayFromNow(600) },
  },
  sendInvitation: { body: ({ factoryId }) => ({ managerEmail: `manager@${factoryId!.toLowerCase()}.example.com` }) },
  recordSlcpOptOut: { body: () => ({ reason: 'The factory told the country programme it stops sharing.' }) },
  linkGateway: { body: ({ factoryId }) => ({ gatewayFacilityId: gatewayIdOf(factoryId!) }) },
  subscribeBrand: { brandId: 'brand-1' },
  unsubscribeBrand: { brandId: 'brand-2' },
  gatewayCallbacks: {
    // A well-formed event; only the Gateway's signature headers are missing.
    undocumentedBody: true,
    body: () => ({
      eventId: 'b3f1c2d4-0000-4000-8000-00000000a001',
      type: 'facility.registered',
      occurredAt: api.clock.now().toISOString(),
      state: { factoryId: 'BD-DEMO0001', jti: 'b3f1c2d4-0000-4000-8000-00000000a002' },
      registrationId: 'REG-7KQ2M9XD4P',
      email: 'manager@factory-bd-1.example.com',
    }),
  },
  acceptInvitation: {
    body: () => ({ token: demoInvitationToken(invitedFactory) }), // the seeded link of BD-DEMO0003
  },
  gatewaySubmissionCallbacks: {
    // A well-formed event; only the Gateway's signature headers are missing.
    undocumentedBody: true,
    body: () => ({
      eventId: 'b3f1c2d4-0000-4000-8000-00000000a003',
      type: 'submission.validated',
      occurredAt: api.clock.now().toISOString(),
      submissionId: 'SUB-7KQ2M9XD4P',
      idempotencyKey: 'BD-DEMO0001-C1-TX',
      gatewayFacilityId: 'GW-7KQ2M9XD',
      factoryId: 'BD-DEMO0001',
      cycleId: 'BD-DEMO0001-C1',
      assessmentStatus: 'VRF',
    }),
  },
  startSelfAssessment: { body: ({ factoryId }) => ({ cycleId: `${factoryId!}-C1` }) },
  getSelfAssessmentQuestion: { questionId: 'FP-BAS-1' },
  answerSelfAssessmentQuestion: { questionId: 'FP-BAS-1', body: () => ({ value: 'Matrix Test Garments Ltd.' }) },
  clearSelfAssessmentAnswer: { questionId: 'FP-BAS-1' },
  createComplianceAssessment: { body: () => ({ method: 'visit', firstDay: dayFromNow(-5), lastDay: dayFromNow(-4) }) },
  recordAssessmentFinding: { questionId: 'RH-REC-1', body: () => ({ result: 'compliant' }) },
  recordAssessmentFindings: { body: () => ({ findings: [{ questionId: 'RH-REC-1', result: 'compliant' }] }) },
  addImprovementItem: { body: () => ({ title: 'Fire exits blocked in the finishing section' }) },
  updateImprovementItem: {
    get itemId() {
      return seededItemId;
    },
    body: () => ({ status: 'done' }),
    ifMatchOf: async ({ factoryId }) => {
      const plan = await api.store.read<ImprovementPlanDocument>(
        'factories',
        factoryId!.slice(0, 2),
        `${factoryId}-C1-IP`
      );
      const item = plan?.doc.items.find((i) => i.itemId === seededItemId);
      return item ? itemEtag(item) : undefined;
    },
  },
};

// ---------------------------------------------------------------------------------------------------
// R21: what a brand must never see, wherever it is in a body
// ---------------------------------------------------------------------------------------------------

const brandForbiddenKey = /^(sharing|slcp|gateway|sharingEffective|gatewayFacilityId|optOut.*)$/;

function forbiddenKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => forbiddenKeys(item, `${path}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(brandForbiddenKey.test(key) ? [`${path}/${key}`] : []),
    ...forbiddenKeys(child, `${path}/${key}`),
  ]);
}

// ---------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------

interface Operation {
  operationId: string;
  method: string;
  path: string;
  hasBody: boolean;
  pathParams: string[];
}

interface Cell {
  operation: Operation;
  row: Row;
  caller: Caller;
  target: string;
  expected: Expected;
  factoryId: string | undefined;
  countryCode: string | undefined;
  notificationId: string | undefined;
}

const describeExpected = (expected: Expected) =>
  expected === 401 || expected === 403 || expected === 404 ? String(expected) : `ok ${expected}`;
const isRefusal = (expected: Expected): expected is Refusal => expected === 401 || expected === 403 || expected === 404;

let api: ApiHarness;
const { call, refusedWithoutWriting } = apiCalls(() => api);
let operations: Operation[] = [];
const tokens = new Map<Caller, string>();
/** The improvement item (from a seeded non-compliant finding) the updateImprovementItem cells mark done. */
let seededItemId = '';

async function seed(store: ApiHarness['store'], clock: { now(): Date }): Promise<void> {
  await seedDemoData(store, clock);
  for (const [factoryId, staff, manager] of [
    ['BD-DEMO0001', 'registration-bd', 'fm-bd-1'],
    ['BD-DEMO0002', 'registration-bd', 'fm-bd-2'],
    ['VN-DEMO0001', 'registration-vn', 'fm-vn-1'],
  ] as const) {
    await seedSelfAssessment(store, clock, factoryId, staff, manager); // the self-assessment routes' targets
  }
  // brand-1 subscribes to BD-DEMO0001 (the demo data has it; made sure here, since the matrix depends on it).
  const bd1 = (await store.read<FactoryDocument>('factories', 'BD', 'BD-DEMO0001'))!;
  if (!bd1.doc.subscribedBrandIds.includes('brand-1')) {
    const doc = { ...bd1.doc, subscribedBrandIds: [...bd1.doc.subscribedBrandIds, 'brand-1'] };
    await store.write('factories', 'BD', [{ kind: 'replace', doc, ifMatch: bd1.etag }]);
  }
  // One unread notification for every demo user who calls (and for registration-vn: someone else's).
  const at = clock.now().toISOString();
  for (const userKey of [...Object.values(callerUser), 'registration-vn']) {
    if (!userKey) continue;
    const userId = findDemoUser(userKey)!.userId;
    const doc: NotificationDocument = {
      id: notificationIdOf(userKey),
      type: 'notification',
      userId,
      at,
      title: 'Authorization matrix',
      text: 'A notification of your own.',
      link: undefined,
      read: false,
      readAt: undefined,
      factoryId: undefined,
    };
    await store.write('users', userId, [{ kind: 'create', doc }]);
  }
}

beforeAll(async () => {
  api = await startApiHarness({ seed, azurite: true });
  // R15, R16, R25: each first cycle assessed, completed and its report released (blob storage is the app's Azurite)
  const compliance = complianceDepsOf(api.store, api.clock, api.app);
  for (const [factoryId, staffKey, assessorKey] of [
    ['BD-DEMO0001', 'registration-bd', 'assessor-bd'],
    ['BD-DEMO0002', 'registration-bd', 'assessor-bd'],
    ['VN-DEMO0001', 'registration-vn', 'assessor-vn'],
  ] as const) {
    const seeded = await seedAssessedCycle(compliance, factoryId, { staffKey, assessorKey });
    seededItemId = `assessment-${seeded.nonCompliant[0]!}`;
    await seedDeadLetteredTransmission(api.store, factoryId, api.clock.now()); // the transmission routes' targets
  }
  for (const caller of callers) {
    const userKey = callerUser[caller];
    if (userKey) tokens.set(caller, await api.tokenFor(userKey));
  }
  const response = await fetch(`${api.base}/openapi.json`);
  if (!response.ok) throw new Error(`GET /api/openapi.json answered ${response.status}`);
  const document = (await response.json()) as {
    paths: Record<string, Record<string, { operationId?: string; requestBody?: unknown }>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method))
      .map(([method, op]) => ({
        operationId: op.operationId ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        hasBody: op.requestBody !== undefined,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      }))
  );
});

afterAll(async () => {
  await api?.stop();
});

/** The scope a route's path parameters make it: what the table's targets must be. */
function scopeOfPath(params: readonly string[]): Scope | undefined {
  if (params.includes('factoryId') || params.includes('selfAssessmentId')) return 'factory';
  if (params.includes('countryCode')) return 'country';
  if (params.includes('notificationId')) return 'notification';
  // {version} (a question bank version) and {userId} (the person whose data, erasedUser) are the same for every caller
  return params.every((p) => p === 'version' || p === 'userId') ? 'caller' : undefined;
}

it('the expectation table covers exactly the operations of the OpenAPI document', () => {
  const problems: string[] = operations.length === 0 ? ['the OpenAPI document lists no operation'] : [];
  const documented = new Set(operations.map((o) => o.operationId));
  for (const o of operations) {
    const row = table[o.operationId];
    if (!row) {
      problems.push(`${o.operationId} (${o.method} ${o.path}) is in the OpenAPI document but not in the table`);
      continue;
    }
    if (scopeOfPath(o.pathParams) !== row.scope) {
      problems.push(`${o.operationId}: path ${o.path} does not fit the table's scope ${row.scope}`);
    }
    for (const caller of callers) {
      if (row[caller].length !== scopes[row.scope].length) {
        problems.push(`${o.operationId}: ${caller} needs ${scopes[row.scope].length} expectations`);
      }
    }
    const fixture = fixtures[o.operationId];
    if (o.hasBody && !fixture?.body) problems.push(`${o.operationId} takes a body but has no body fixture`);
    if (!o.hasBody && fixture?.body && !fixture.undocumentedBody)
      problems.push(`${o.operationId} takes no body but has a body fixture`);
  }
  for (const operationId of Object.keys(table)) {
    if (!documented.has(operationId)) problems.push(`${operationId} is in the table but not in the OpenAPI document`);
  }
  for (const operationId of Object.keys(fixtures)) {
    if (!documented.has(operationId)) problems.push(`the fixture ${operationId} names no operation`);
  }
  if (problems.length > 0) throw new Error(`The table and the API differ:\n${problems.join('\n')}`);
});

function cellsOf(operation: Operation): Cell[] {
  const row = table[operation.operationId];
  if (!row) return [];
  return callers.flatMap((caller) =>
    scopes[row.scope].map((target, i): Cell => {
      const factoryId = row.scope === 'factory' ? factoryOf[caller][target as FactoryTarget] : undefined;
      const countryCode = row.scope === 'country' ? countryOf[target as 'ownCountry'] : undefined;
      const notificationId =
        row.scope === 'notification'
          ? target === 'own'
            ? notificationIdOf(callerUser[caller] ?? 'fm-bd-1')
            : otherUsersNotification
          : undefined;
      return { operation, row, caller, target, expected: row[caller][i]!, factoryId, countryCode, notificationId };
    })
  );
}

function pathOf(cell: Cell): string {
  const fixture = fixtures[cell.operation.operationId];
  return cell.operation.path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = {
      factoryId: cell.factoryId,
      countryCode: cell.countryCode,
      notificationId: cell.notificationId,
      version: '1.5.0',
      brandId: fixture?.brandId,
      cycleId: cell.factoryId && `${cell.factoryId}-C1`,
      selfAssessmentId: cell.factoryId && `${cell.factoryId}-C1-SA`,
      questionId: fixture?.questionId,
      itemId: fixture?.itemId,
      userId: erasedUser,
    }[name];
    if (value === undefined) throw new Error(`no value for {${name}} of ${cell.operation.operationId}`);
    return encodeURIComponent(value);
  });
}

async function send(cell: Cell): Promise<Outcome> {
  const fixture = fixtures[cell.operation.operationId];
  const headers: Record<string, string> = {};
  const tag = await fixture?.ifMatchOf?.({
    caller: cell.caller,
    factoryId: cell.factoryId,
    countryCode: cell.countryCode,
  });
  if (tag) headers['if-match'] = tag;
  if (fixture?.ifMatch && cell.factoryId) {
    const current = await api.store.read('factories', cell.factoryId.slice(0, 2), cell.factoryId);
    if (current) headers['if-match'] = current.etag;
  }
  return call(cell.operation.method, pathOf(cell), {
    token: tokens.get(cell.caller),
    json: fixture?.body?.({ caller: cell.caller, factoryId: cell.factoryId, countryCode: cell.countryCode }),
    headers,
  });
}

/** The cell's mismatches: the status, and for a brand R21 on the body. */
function judge(cell: Cell, outcome: Outcome): string[] {
  const where = `${cell.operation.operationId} ${cell.caller} ${cell.target}`;
  const found: string[] = [];
  if (outcome.status !== cell.expected) {
    const detail = (outcome.body as { detail?: unknown } | undefined)?.detail;
    found.push(
      `${where}: expected ${describeExpected(cell.expected)}, got ${outcome.status}` +
        (typeof detail === 'string' ? ` (${detail.slice(0, 120)})` : '')
    );
  }
  if (cell.caller === 'Brand') {
    const leaked = forbiddenKeys(outcome.body);
    if (leaked.length > 0) found.push(`${where}: R21, a brand got ${leaked.join(', ')}`);
  }
  return found;
}

function difference(before: readonly string[], after: readonly string[]): string {
  const was = new Set(before);
  const is = new Set(after);
  const changed = [
    ...after.filter((row) => !was.has(row)).map((row) => `+${row}`),
    ...before.filter((row) => !is.has(row)).map((row) => `-${row}`),
  ];
  return changed.slice(0, 6).join(' ') + (changed.length > 6 ? ` (+${changed.length - 6} more)` : '');
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

it('R22, R21: every operation × caller × target answers as the policy says, refusals write nothing, brands see no SLCP field', async () => {
  const cells = operations.flatMap(cellsOf);
  const mismatches: string[] = [];
  const reads = cells.filter((c) => c.operation.method === 'GET');
  const refusedWrites = cells.filter((c) => c.operation.method !== 'GET' && isRefusal(c.expected));
  const order = Object.keys(table);
  const allowedWrites = cells
    .filter((c) => c.operation.method !== 'GET' && !isRefusal(c.expected))
    .sort((a, b) => order.indexOf(a.operation.operationId) - order.indexOf(b.operation.operationId));

  // 1. Reads, 8 at a time, on the seeded data; together they write nothing.
  const beforeReads = await api.fingerprint();
  await inBatches(reads, 8, async (cell) => {
    mismatches.push(...judge(cell, await send(cell)));
  });
  const afterReads = await api.fingerprint();
  if (afterReads.join() !== beforeReads.join())
    mismatches.push(`GET requests wrote: ${difference(beforeReads, afterReads)}`);

  // 2. Refused writes, one at a time, each between two fingerprints of every container: nothing written.
  let previous = afterReads;
  for (const cell of refusedWrites) {
    const outcome = await send(cell);
    mismatches.push(...judge(cell, outcome));
    const now = await api.fingerprint();
    if (now.join() !== previous.join()) {
      mismatches.push(
        `${cell.operation.operationId} ${cell.caller} ${cell.target}: refused with ${outcome.status} but wrote ${difference(previous, now)}`
      );
    }
    previous = now;
  }

  // 3. Allowed writes last, one at a time in the table's order (each may change what the next one finds).
  for (const cell of allowedWrites) mismatches.push(...judge(cell, await send(cell)));

  expect(cells.length).toBeGreaterThan(0);
  if (mismatches.length > 0) {
    throw new Error(`${mismatches.length} of ${cells.length} cells do not match:\n${mismatches.join('\n')}`);
  }
  const allowed = cells.filter((c) => !isRefusal(c.expected)).length;
  process.stdout.write(
    `authorization matrix: ${operations.length} operations, ${cells.length} cells (${allowed} allowed, ` +
      `${cells.length - allowed} refused, ${refusedWrites.length} of them writes), 0 mismatches\n`
  );
});

it('R7: the seeded link the matrix presented is accepted by the invited account only, once', async () => {
  const factoryPath = `factories/${invitedFactory}`;
  const invitation = await api.store.read<InvitationDocument>('factories', 'BD', invitationDocId(invitedFactory));
  const invitedEmail = invitation!.doc.email;
  expect(invitedEmail).not.toBe(findDemoUser('fm-bd-1')!.email);
  const accept = (token: string) =>
    call('POST', 'invitations/accept', { token, json: { token: demoInvitationToken(invitedFactory) } });
  // the matrix's FactoryManager was refused for the address, not for the role; nothing written
  const refused = await refusedWithoutWriting(() => accept(tokens.get('FactoryManager')!), 403);
  expect(refused.body.detail).toMatch(/sent to another email address/);
  // the manager the invitation was sent to: a FactoryManager whose token carries that address
  const invitedManager = await api.tokenFor('fm-bd-1', {
    userId: '3f0c9a52-6d1e-4b8a-9c27-5e4d2b7a1c90',
    name: 'Karnaphuli manager',
    email: invitedEmail,
  });
  const accepted = await accept(invitedManager);
  expect(accepted.status).toBe(200);
  expect(accepted.body).toMatchObject({ factoryId: invitedFactory });
  expect((await accept(invitedManager)).status).toBe(409);
  const read = await call('GET', factoryPath, { token: invitedManager });
  expect(read.status).toBe(200);
  expect((await call('GET', factoryPath, { token: tokens.get('FactoryManager')! })).status).toBe(404);
});
