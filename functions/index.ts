// The function app's entry point (package.json "main" after the build). The settings are validated
// first, so a bad configuration stops start-up; then every trigger registers, one per file.
import './startup';
import './health';
import './openapi';
// enrolment: country programmes, factories, cycles, invitations, profile, audit
import './listCountryProgrammes';
import './setCountryLaunch';
import './registerFactory';
import './listFactories';
import './getFactory';
import './registerCycle';
import './sendInvitation';
import './acceptInvitation';
import './getProfile';
import './editProfile';
import './signTerms';
import './listAuditEvents';
// personal data (GDPR-style): an Admin exports or erases one person's (shared/app/users/personalData.ts)
import './exportPersonalData';
import './erasePersonalData';
// sharing: SLCP request, opt-out, Gateway connection and callbacks, dashboard, notifications
import './requestSlcpSharing';
import './getSlcpStatus';
import './recordSlcpOptOut';
import './connectGateway';
import './gatewayCallbacks';
import './linkGateway';
import './getAssessorBody';
import './subscribeBrand';
import './unsubscribeBrand';
import './getDashboard';
import './listNotifications';
import './countUnreadNotifications';
import './markNotificationRead';
import './deliverOutbox';
// self-assessment: question bank
import './listQuestionBanks';
import './getQuestionBank';
import './importQuestionBank';
// self-assessment: answering
import './activateCycle';
import './startSelfAssessment';
import './getSelfAssessment';
import './getSelfAssessmentQuestion';
import './answerSelfAssessmentQuestion';
import './clearSelfAssessmentAnswer';
import './submitSelfAssessment';
// Better Work's side of the cycle: compliance assessment (R15, R14), report release (R16, R21), improvement plan (R25)
import './createComplianceAssessment';
import './getComplianceAssessment';
import './recordAssessmentFinding';
import './recordAssessmentFindings';
import './completeComplianceAssessment';
import './releaseAssessmentReport';
import './getAssessmentReport';
import './getAssessmentReportPage';
import './listAssessmentReports';
import './getImprovementPlan';
import './addImprovementItem';
import './updateImprovementItem';
// the per-cycle timeline and the other durable waits (R3, R9, R10, R16-R18, R25): orchestrations, activities,
// the daily reconciliation, and the staff's read of a cycle's timeline
import './orchestrations/cycleTimeline';
import './orchestrations/gatewayApproval';
import './orchestrations/termsWatch';
import './activities/loadCycleTimelineFacts';
import './activities/sendPreferenceReminder';
import './activities/remindReleaseDeadline';
import './activities/escalateReleaseDeadline';
import './activities/markReadyToTransmit';
import './activities/enableSharing';
import './activities/remindProgressReport';
import './activities/loadGatewayApprovalFacts';
import './activities/chaseGatewayApproval';
import './activities/loadTermsWatchFacts';
import './activities/remindTermsExpiry';
import './activities/noticeTermsExpired';
// the background part of a personal-data erasure (erasure-{userId})
import './orchestrations/personalDataErasure';
import './activities/completePersonalDataErasure';
import './reconcileTimelines';
import './getCycleTimeline';
// the transmission to the SLCP Gateway (R17-R19): the Service Bus sender and its dead letters, the sweep of unsent
// transmissions, the Gateway's validation callbacks, the mid-cycle request, and the staff's views and replay
import './processTransmission';
import './recordDeadLetteredTransmission';
import './resendUnsentTransmissions';
import './gatewaySubmissionCallbacks';
import './requestMidCycleSharing';
import './listTransmissions';
import './getTransmission';
import './replayTransmission';
