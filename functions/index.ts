// The function app's entry point (package.json "main" after the build). The settings are validated
// first, so a bad configuration stops start-up; then every trigger registers, one per file.
import './startup';
import './health';
import './openapi';
// enrolment: country programmes, factories, cycles, invitations, profile, audit
// sharing: SLCP request, opt-out, Gateway connection and callbacks, dashboard, notifications
