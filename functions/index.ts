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
// sharing: SLCP request, opt-out, Gateway connection and callbacks, dashboard, notifications
import './sendPreferenceReminders';
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
