// The function app's entry point (package.json "main" after the build). The settings are validated
// first, so a bad configuration stops start-up; then every trigger registers, one per file.
import './startup';
import './health';
