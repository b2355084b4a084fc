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
  {
    name: 'transmissions',
    purpose:
      'the payloads transmitted to the SLCP Gateway (R17), named <factoryId>/<cycleId>/<transmissionId>-<sha256>.json; ' +
      'written once before the transmission is queued, read by the sender when the message does not carry it and by replays',
  },
] as const satisfies readonly BlobContainerDeclaration[];

export type BlobContainerName = (typeof blobContainers)[number]['name'];
