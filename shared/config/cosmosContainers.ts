// The one declaration of the Cosmos DB database and containers: the local host creates them from it,
// the tests use it, and the infrastructure templates are checked against it.

export interface ContainerDeclaration {
  name: string;
  partitionKey: `/${string}`;
  /** What lives there and the hot path the partition key serves. */
  purpose: string;
  /** Only the paths that queries filter or sort on are indexed; everything else is excluded. */
  indexedPaths: `/${string}`[];
}

export const defaultCosmosDatabaseName = 'slcp';

export const cosmosContainers: readonly ContainerDeclaration[] = [
  {
    name: 'countryProgrammes',
    partitionKey: '/countryCode',
    purpose: 'country programmes, launch dates and law overlays; read by country',
    indexedPaths: ['/countryCode/?', '/launched/?'],
  },
  {
    name: 'factories',
    partitionKey: '/countryCode',
    purpose: 'factories, profiles and accounts; staff list them by country programme',
    indexedPaths: ['/countryCode/?', '/status/?', '/name/?', '/gatewayFacilityId/?'],
  },
  {
    name: 'cycles',
    partitionKey: '/factoryId',
    purpose: 'service cycles, assessments and reports of one factory',
    indexedPaths: ['/factoryId/?', '/status/?', '/startsOn/?', '/endsOn/?'],
  },
  {
    name: 'selfAssessments',
    partitionKey: '/selfAssessmentId',
    purpose: 'a self-assessment and its answers, read and written together',
    indexedPaths: ['/selfAssessmentId/?', '/kind/?', '/questionId/?'],
  },
  {
    name: 'audit',
    partitionKey: '/factoryId',
    purpose: 'who changed what and when, per factory',
    indexedPaths: ['/factoryId/?', '/at/?'],
  },
];

export function indexingPolicyOf(container: ContainerDeclaration) {
  return {
    indexingMode: 'consistent' as const,
    automatic: true,
    includedPaths: container.indexedPaths.map((path) => ({ path })),
    excludedPaths: [{ path: '/*' }, { path: '/"_etag"/?' }],
  };
}
