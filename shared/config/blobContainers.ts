// The one declaration of the blob containers the app keeps documents in (besides the Functions host's own):
// the infrastructure creates them (infra/main.bicep, checked by test/unit/infraDeclarations.test.ts), and
// the blob adapter creates a missing one on first write (Azurite starts empty).

export interface BlobContainerDeclaration {
  name: string;
  /** What lives there and how the names are made. */
  purpose: string;
}

export const blobContainers = [
  {
    name: 'reports',
    purpose:
      'released assessment reports (R16), each as JSON and as an HTML page, named <factoryId>/<cycleId>/<reportId>.<json|html>; ' +
      'written once, never changed',
  },
] as const satisfies readonly BlobContainerDeclaration[];

export type BlobContainerName = (typeof blobContainers)[number]['name'];
