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

export const cosmosContainers = [
  {
    name: 'countryProgrammes',
    partitionKey: '/countryCode',
    purpose: 'country programmes (launch dates, law overlays) and their audit trail; read by country',
    indexedPaths: ['/type/?', '/countryCode/?'],
  },
  {
    name: 'factories',
    partitionKey: '/countryCode',
    purpose:
      'a factory and everything written with it atomically: cycles, invitations, audit events, outbox emails; ' +
      'factory ids start with the country code, so every factory request knows its partition, and staff list a country in one partition',
    indexedPaths: [
      '/type/?',
      '/factoryId/?',
      '/name/?',
      '/status/?',
      '/at/?',
      '/gatewayFacilityId/?',
      '/nextAttemptAt/?',
    ],
  },
  {
    name: 'users',
    partitionKey: '/userId',
    purpose: 'the user directory (what each person may see) and their portal notifications',
    indexedPaths: ['/userId/?', '/type/?', '/read/?', '/at/?'],
  },
  {
    name: 'gatewayLinks',
    partitionKey: '/id',
    purpose: 'one document per Gateway Facility ID, so one Gateway ID belongs to one factory at most (R4)',
    indexedPaths: ['/type/?'],
  },
  {
    name: 'selfAssessments',
    partitionKey: '/selfAssessmentId',
    purpose:
      'a self-assessment (its header with the compact progress state), one document per answer and its audit events: ' +
      'an answer is one transactional batch in one partition, the overview one point read',
    indexedPaths: ['/selfAssessmentId/?', '/type/?', '/questionId/?'],
  },
  {
    name: 'questionBanks',
    partitionKey: '/version',
    purpose:
      'imported question bank versions: per version a manifest, its parts (a large version split across ' +
      'documents, each far below the 2 MB item limit) and the audit event of the import; read by version',
    indexedPaths: ['/type/?', '/version/?'],
  },
] as const satisfies readonly ContainerDeclaration[];

export type ContainerName = (typeof cosmosContainers)[number]['name'];

export function indexingPolicyOf(container: ContainerDeclaration) {
  return {
    indexingMode: 'consistent' as const,
    automatic: true,
    includedPaths: container.indexedPaths.map((path) => ({ path })),
    excludedPaths: [{ path: '/*' }, { path: '/"_etag"/?' }],
  };
}
