// The checks of the per-cycle timeline live with the demo that runs them (local/demo/checks.ts); the end-to-end
// timeline tests import them from here.
export * from '../../local/demo/checks';
